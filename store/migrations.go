package store

import (
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// Migration is one numbered schema migration of a backend.
type Migration struct {
	Version int
	Name    string // file name, e.g. 0001_init.sql
	SQL     string
}

// LoadMigrations reads the files NNNN_name.sql in dir of fsys (a backend's
// embedded migrations) in order, and checks that the numbers run 1, 2, 3...
// without gaps. Each backend keeps its own SQL; only the numbering is shared.
func LoadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read embedded migrations: %w", err)
	}
	var migs []Migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("embedded migration %s: name must start with a number and '_'", e.Name())
		}
		b, err := fs.ReadFile(fsys, dir+"/"+e.Name())
		if err != nil {
			return nil, fmt.Errorf("read embedded migration %s: %w", e.Name(), err)
		}
		migs = append(migs, Migration{Version: v, Name: e.Name(), SQL: string(b)})
	}
	sort.Slice(migs, func(i, j int) bool { return migs[i].Version < migs[j].Version })
	for i, m := range migs {
		if m.Version != i+1 {
			return nil, fmt.Errorf("embedded migrations: expected version %d, found %s", i+1, m.Name)
		}
	}
	return migs, nil
}
