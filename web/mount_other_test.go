//go:build !linux

package web

import "errors"

func mount(string) error { return errors.New("tmpfs needs Linux") }

func unmount(string) {}
