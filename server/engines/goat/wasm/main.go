//go:build js && wasm

// The goat engine's WASM program (scripts/build-goat.mjs builds it into dist/goat/):
// bep/goat, the GoAT library from Debian's golang-github-bep-goat-dev, behind one
// JavaScript function the engine's worker thread calls, __studioGoat.render(source),
// which answers {svg} or {error}. A panic in the library on some diagram is an answer
// too, so the program (and its loaded module) stays usable for the next diagram.
package main

import (
	"fmt"
	"strings"
	"syscall/js"

	"github.com/bep/goat"
)

// Set by the build (-X main.version=…) from the Debian package's version.
var version = "unknown"

func render(_ js.Value, args []js.Value) (result any) {
	defer func() {
		if r := recover(); r != nil {
			result = map[string]any{"error": fmt.Sprint(r)}
		}
	}()
	if len(args) != 1 || args[0].Type() != js.TypeString {
		return map[string]any{"error": "render takes one string"}
	}
	return map[string]any{"svg": goat.BuildSVG(strings.NewReader(args[0].String())).String()}
}

func main() {
	js.Global().Set("__studioGoat", map[string]any{"version": version, "render": js.FuncOf(render)})
	// Renders are calls into this program: it must never return.
	select {}
}
