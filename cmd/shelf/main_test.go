package main

import (
	"os"
	"testing"

	"shelf/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }
