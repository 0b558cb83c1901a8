package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"time"

	"shelf"
	"shelf/service"
)

// Demo logins, printed by serve --demo. Their passwords are made afresh for
// each database and printed once, when it is seeded: fixed ones would let
// anyone who has read this file into every demo that is reachable.
const (
	demoAdminEmail  = "admin@example.com"
	demoMemberEmail = "member@example.com"
)

// demoPassword returns a new random password (128 bits, in base32).
func demoPassword() string { return strings.ToLower(rand.Text()) }

// checkDemoAddr refuses to serve demo logins on an address other than
// loopback, unless the operator says so: a demo's logins are printed on a
// terminal, and its data is made up to be deleted.
func checkDemoAddr(addr string, public bool) error {
	if public {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usageError{fmt.Sprintf("--addr %q: %v", addr, err)}
	}
	if host == "localhost" {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.Unmap().IsLoopback() {
		return nil
	}
	return usageError{fmt.Sprintf("--demo serves made-up data and prints its logins; it listens on loopback only (--addr 127.0.0.1:PORT), not on %q, unless --demo-public is given", addr)}
}

// seedDemo fills an empty database with a demo admin, a member and sample data
// (items with notes, a loan, categories, something in the Trash). A database
// that already has users is left alone.
func seedDemo(ctx context.Context, svc *service.Service, out io.Writer) error {
	has, err := svc.HasUsers(ctx)
	if err != nil {
		return err
	}
	if has {
		// note: the passwords were shown once, when they were made; say
		// who to log in as, and how to begin again with new ones.
		fmt.Fprintf(out, "The database already has users; --demo added nothing.\n"+
			"The demo logins are %s (admin) and %s (member), with the passwords printed when the demo data was made.\n"+
			"To start over, stop Shelf, delete the database file (shelf.db, or the --db one) and its shelf-files directory, and run serve --demo again;\n"+
			"or give a new file with --db sqlite:demo2.db.\n", demoAdminEmail, demoMemberEmail)
		return nil
	}
	adminPassword, memberPassword := demoPassword(), demoPassword()
	admin, err := svc.AddUser(ctx, service.NewUser{Email: demoAdminEmail, Name: "Ada Admin", Password: adminPassword, Role: shelf.RoleAdmin})
	if err != nil {
		return err
	}
	member, err := svc.AddUser(ctx, service.NewUser{Email: demoMemberEmail, Name: "Max Member", Password: memberPassword, Role: shelf.RoleMember})
	if err != nil {
		return err
	}
	for _, u := range []shelf.User{admin, member} {
		a := shelf.Actor{UserID: u.ID, Role: u.Role, RequestID: "demo-seed"}
		if err := seedUser(ctx, svc, a); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "Demo data created. Log in as (these passwords are shown only now)\n  %s / %s (admin)\n  %s / %s (member)\n",
		demoAdminEmail, adminPassword, demoMemberEmail, memberPassword)
	return nil
}

func seedUser(ctx context.Context, svc *service.Service, a shelf.Actor) error {
	tools, err := svc.CreateCategory(ctx, a, "Tools")
	if err != nil {
		return err
	}
	books, err := svc.CreateCategory(ctx, a, "Books")
	if err != nil {
		return err
	}
	if _, err := svc.CreateCategory(ctx, a, "Kitchen"); err != nil {
		return err
	}
	items := []shelf.ItemInput{
		{Name: "Cordless drill", Description: "18 V, two batteries.", Quantity: 1, CategoryID: &tools.ID},
		{Name: "Ladder", Description: "Three-step, aluminium.", Quantity: 1, CategoryID: &tools.ID},
		{Name: "Screwdriver set", Quantity: 12, CategoryID: &tools.ID},
		{Name: "The Go Programming Language", Description: "Donovan & Kernighan.", Quantity: 1, CategoryID: &books.ID},
		{Name: "Dune", Quantity: 2, CategoryID: &books.ID},
		{Name: "Camping tent", Description: "Sleeps four.", Quantity: 1},
		{Name: "Old phone charger", Quantity: 3},
	}
	created := make([]shelf.Item, 0, len(items))
	for _, in := range items {
		it, err := svc.CreateItem(ctx, a, in)
		if err != nil {
			return err
		}
		created = append(created, it)
	}
	notes := map[int][]string{0: {"Bought in 2024.", "Charger is in the blue box."}, 3: {"Lent to Sam once; came back with a coffee stain."}, 5: {"Missing one peg."}}
	for i, bodies := range notes {
		for _, b := range bodies {
			if _, err := svc.AddNote(ctx, a, created[i].ID, b); err != nil {
				return err
			}
		}
	}
	due := svc.Now().Add(14 * 24 * time.Hour)
	if _, err := svc.LendItem(ctx, a, created[1].ID, "Sam (next door)", &due); err != nil {
		return err
	}
	_, err = svc.TrashItem(ctx, a, created[6].ID, 0)
	return err
}
