package main

import (
	"context"
	"flag"
	"fmt"
)

const backupHelp = `Writes a consistent copy of the SQLite database to FILE, which must not
exist yet, while other tidings (a running 'tidings run') go on using it. To
restore, stop every tidings using the database and put the copy in its
place (remove the old file's -wal and -shm files too). With PostgreSQL, use
pg_dump and pg_restore.`

// backuper is a store that can copy itself to a file (the SQLite one).
type backuper interface {
	Backup(ctx context.Context, path string) error
}

func setupBackup(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, c *cli, args []string) error {
		if len(args) != 1 {
			return usagef("backup takes one argument: the file to write")
		}
		e, err := c.open(ctx)
		if err != nil {
			return err
		}
		defer e.Close()
		b, ok := e.store.(backuper)
		if !ok {
			return fmt.Errorf("backup: the database is PostgreSQL; use pg_dump to back it up and pg_restore to restore it")
		}
		if err := b.Backup(ctx, args[0]); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		fmt.Fprintf(c.stdout, "Backed up to %s.\n", args[0])
		return nil
	}
}
