package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"tidings/reader"
)

const userHelp = `Manages the people who use this database. A database starts with one user,
made on first use; every command acts for it, and none mentions users
until there is a second one. Then commands act for --user NAME or
$TIDINGS_USER.

  tidings user add NAME      add a user; the password is asked twice on a
                             terminal, read from standard input with
                             --password-stdin, or left unset (set it later)
  tidings user list          list the users and their subscription counts
  tidings user passwd NAME   set a user's password
  tidings user remove NAME   remove a user, their subscriptions, read and
                             starred state and tokens; feeds nobody else
                             follows are no longer fetched

A password is 8 characters or more (at most 72 bytes); it is kept only as
a bcrypt hash.`

func setupUser(fs *flag.FlagSet) runFunc {
	stdinPW := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	return func(ctx context.Context, c *cli, args []string) error {
		if len(args) == 0 {
			return usagef("user needs add, list, passwd or remove")
		}
		sub, args := args[0], args[1:]
		want := map[string]int{"add": 1, "list": 0, "passwd": 1, "remove": 1}
		n, ok := want[sub]
		if !ok {
			return usagef("unknown user command %q; use add, list, passwd or remove", sub)
		}
		if len(args) != n {
			if n == 0 {
				return usagef("user %s takes no arguments", sub)
			}
			return usagef("user %s takes one user NAME", sub)
		}
		if n == 1 {
			if err := reader.UserName(args[0]); err != nil && sub == "add" {
				return usagef("%v", err)
			}
		}
		e, err := c.open(ctx)
		if err != nil {
			return err
		}
		defer e.Close()
		switch sub {
		case "add":
			var pw *string
			if *stdinPW || c.terminal(c.stdin) {
				p, err := c.readPassword(*stdinPW)
				if err != nil {
					return err
				}
				pw = &p
			}
			u, err := e.rd.AddUser(ctx, args[0], pw)
			if errors.Is(err, reader.ErrInvalid) {
				return usagef("%v", err)
			}
			if err != nil {
				return err
			}
			if pw == nil {
				fmt.Fprintf(c.stdout, "Added user %s, without a password (set one with 'tidings user passwd %s').\n", u.Name, u.Name)
			} else {
				fmt.Fprintf(c.stdout, "Added user %s.\n", u.Name)
			}
		case "list":
			users, err := e.rd.Users(ctx)
			if err != nil {
				return err
			}
			if len(users) == 0 {
				fmt.Fprintln(c.stdout, "No users yet: the first command that needs one makes the user \"me\".")
				return nil
			}
			tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tFEEDS\tPASSWORD\tSINCE")
			for _, u := range users {
				pw := "no"
				if u.PasswordHash != "" {
					pw = "set"
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", truncate(u.Name, 64), u.Subscriptions, pw, u.CreatedAt.UTC().Format("2006-01-02"))
			}
			return tw.Flush()
		case "passwd":
			if _, err := e.rd.User(ctx, args[0]); err != nil {
				return err
			}
			p, err := c.readPassword(*stdinPW)
			if err != nil {
				return err
			}
			err = e.rd.SetPassword(ctx, args[0], p)
			if errors.Is(err, reader.ErrInvalid) {
				return usagef("%v", err)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "Changed the password of %s.\n", args[0])
		case "remove":
			u, err := e.rd.RemoveUser(ctx, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "Removed user %s and their %s.\n", u.Name, plural(u.Subscriptions, "subscription"))
		}
		return nil
	}
}

// readPassword reads a password: the first line of standard input with
// fromStdin, else twice from the terminal without echo.
func (c *cli) readPassword(fromStdin bool) (string, error) {
	if fromStdin || !c.terminal(c.stdin) {
		line, err := bufio.NewReader(c.stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read the password: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	f, ok := c.stdin.(*os.File)
	if !ok {
		return "", errors.New("no terminal to ask for the password on; use --password-stdin")
	}
	ask := func(prompt string) (string, error) {
		fmt.Fprint(c.stdout, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(c.stdout)
		if err != nil {
			return "", fmt.Errorf("read the password: %w", err)
		}
		return string(b), nil
	}
	p, err := ask("Password: ")
	if err != nil {
		return "", err
	}
	again, err := ask("Again: ")
	if err != nil {
		return "", err
	}
	if p != again {
		return "", errors.New("the two passwords differ; nothing was changed")
	}
	return p, nil
}
