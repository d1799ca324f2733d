package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"text/tabwriter"

	"tidings/reader"
)

const tokenHelp = `Manages app passwords (tokens): what scripts and apps log in with
instead of the user's password. A token is printed once, when it is made;
tidings keeps only its hashes.

  tidings token add NAME [--label L]   make a token for the user NAME
  tidings token list [NAME]            list a user's tokens: ID, label,
                                       when made and last used
  tidings token revoke NAME ID         revoke one: it no longer logs in`

func setupToken(fs *flag.FlagSet) runFunc {
	label := fs.String("label", "", "with add: what the token is for (`L`, such as phone)")
	return func(ctx context.Context, c *cli, args []string) error {
		if len(args) == 0 {
			return usagef("token needs add, list or revoke")
		}
		sub, args := args[0], args[1:]
		e, err := c.open(ctx)
		if err != nil {
			return err
		}
		defer e.Close()
		switch sub {
		case "add":
			if len(args) != 1 {
				return usagef("token add takes one user NAME")
			}
			t, err := e.rd.AddToken(ctx, args[0], *label)
			if errors.Is(err, reader.ErrInvalid) {
				return usagef("%v", err)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "%s\n", t.Secret)
			fmt.Fprintf(c.stderr, "Token %d for %s: shown once, keep it now.\n", t.ID, args[0])
		case "list":
			if len(args) > 1 {
				return usagef("token list takes at most one user NAME")
			}
			name := ""
			if len(args) == 1 {
				name = args[0]
			} else {
				u, err := e.actingUser(ctx)
				if err != nil {
					return err
				}
				name = u.Name
			}
			ts, err := e.rd.Tokens(ctx, name)
			if err != nil {
				return err
			}
			if len(ts) == 0 {
				fmt.Fprintf(c.stdout, "No tokens for %s. Make one with 'tidings token add %s --label L'.\n", name, name)
				return nil
			}
			now := c.now()
			tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tLABEL\tMADE\tLAST USED")
			for _, t := range ts {
				l := t.Label
				if l == "" {
					l = "-"
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", t.ID, truncate(l, 64), relTime(t.CreatedAt, now), relTime(t.LastUsed, now))
			}
			return tw.Flush()
		case "revoke":
			if len(args) != 2 {
				return usagef("token revoke takes a user NAME and a token ID")
			}
			id, err := strconv.ParseInt(args[1], 10, 64)
			if err != nil || id <= 0 {
				return usagef("%q is not a token ID; IDs are the numbers 'tidings token list' shows", args[1])
			}
			if err := e.rd.RevokeToken(ctx, args[0], id); err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "Revoked token %d of %s.\n", id, args[0])
		default:
			return usagef("unknown token command %q; use add, list or revoke", sub)
		}
		return nil
	}
}
