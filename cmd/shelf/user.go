package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"

	"shelf"
	"shelf/service"
)

// cmdUser manages users: "user add".
func cmdUser(ctx context.Context, env cmdEnv, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		return usageError{`usage: shelf user add --email E --name N [--admin] < password`}
	}
	fs := env.flags("user add")
	dsn := dbFlag(fs)
	email := fs.String("email", "", "the user's email (required)")
	name := fs.String("name", "", "the user's display name (required)")
	admin := fs.Bool("admin", false, "make the user an administrator")
	if err := env.parse(fs, args[1:]); err != nil {
		return err
	}
	if *email == "" || *name == "" {
		return usageError{"--email and --name are required"}
	}
	// note: the password comes from standard input, never a flag, so that it
	// stays out of shell history and the process list.
	line, err := bufio.NewReader(env.stdin).ReadString('\n')
	if err != nil && line == "" {
		return errors.New("no password on standard input: pipe it in, one line")
	}
	password := strings.TrimRight(line, "\r\n")

	svc, closeDB, err := openService(ctx, *dsn)
	if err != nil {
		return err
	}
	defer closeDB()
	role := shelf.RoleMember
	if *admin {
		role = shelf.RoleAdmin
	}
	u, err := svc.AddUser(ctx, service.NewUser{Email: *email, Name: *name, Password: password, Role: role})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "Added %s %s (%s), id %d.\n", u.Role, u.Email, u.Name, u.ID)
	return nil
}
