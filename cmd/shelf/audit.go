package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"shelf"
	"shelf/service"
	"shelf/store"
)

// cmdAudit reads the audit log: "audit export" and "audit verify".
func cmdAudit(ctx context.Context, env cmdEnv, args []string) error {
	if len(args) == 0 {
		return usageError{"usage: shelf audit export [--since T] | shelf audit verify [--anchor ID:HASH]"}
	}
	switch args[0] {
	case "export":
		return auditExport(ctx, env, args[1:])
	case "verify":
		return auditVerify(ctx, env, args[1:])
	}
	return usageError{fmt.Sprintf("unknown audit command %q: use export or verify", args[0])}
}

func auditExport(ctx context.Context, env cmdEnv, args []string) error {
	fs := env.flags("audit export")
	dsn := dbFlag(fs)
	since := fs.String("since", "", "only events at or after this time (RFC 3339)")
	keyFile := keyFileFlag(fs)
	if err := env.parse(fs, args); err != nil {
		return err
	}
	var from time.Time
	if *since != "" {
		t, err := time.Parse(time.RFC3339, *since)
		if err != nil {
			return usageError{fmt.Sprintf("--since %q is not an RFC 3339 time such as 2026-01-02T15:04:05Z", *since)}
		}
		from = t
	}
	svc, closeDB, err := openKeyedService(ctx, *dsn, *keyFile)
	if err != nil {
		return err
	}
	defer closeDB()
	out := bufio.NewWriter(env.stdout)
	// note: json.Encoder escapes control characters, so names with CR, LF or
	// ANSI escapes cannot forge lines in the export.
	enc := json.NewEncoder(out)
	err = svc.ExportAudit(ctx, from, func(e shelf.AuditEvent) error { return enc.Encode(e) })
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	return err
}

// errAuditAltered is returned when verification finds a break.
var errAuditAltered = errors.New("the audit log was altered")

func auditVerify(ctx context.Context, env cmdEnv, args []string) error {
	fs := env.flags("audit verify")
	dsn := dbFlag(fs)
	anchorFlag := fs.String("anchor", "", "an earlier head, ID:HASH as this command printed it: the log must still hold that event unchanged")
	if err := env.parse(fs, args); err != nil {
		return err
	}
	var anchor *store.AuditAnchor
	// note: an empty --anchor (say, from an empty file) is a mistake, not
	// "no anchor": a check the caller asked for must not pass unseen.
	if isSet(fs, "anchor") {
		a, err := store.ParseAuditAnchor(*anchorFlag)
		if err != nil {
			return usageError{"--anchor: " + err.Error()}
		}
		anchor = &a
	}
	svc, closeDB, err := openService(ctx, *dsn)
	if err != nil {
		return err
	}
	defer closeDB()
	c, err := svc.CheckAudit(ctx, anchor)
	if err != nil {
		return err
	}
	if c.Break != nil {
		fmt.Fprintf(env.stdout, "Audit log ALTERED at event %d: %s (%d events checked).\n", c.Break.ID, c.Break.Reason, c.Events)
		return errAuditAltered
	}
	fmt.Fprintf(env.stdout, "Audit log intact: %d events, the hash chain of every lane verified.\n", c.Events)
	if anchor != nil {
		fmt.Fprintf(env.stdout, "Anchor event %d is there, unchanged.\n", anchor.ID)
	}
	// note: an anchor written once the lanes verified, so that the head
	// printed binds every lane as it stands now; an altered log is never
	// anchored.
	head, err := svc.AnchorAudit(ctx, shelf.System(service.NewRequestID()))
	if err != nil {
		return err
	}
	if head.ID > 0 {
		// note: the lanes cannot show that their newest events were removed;
		// this head (the anchor event that binds them all), kept elsewhere
		// and given back as --anchor, can.
		fmt.Fprintf(env.stdout, "Head: %s\n", head)
	}
	return nil
}
