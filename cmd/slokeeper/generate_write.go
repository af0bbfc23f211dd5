package main

import (
	"fmt"

	"github.com/slokeeper/slokeeper/internal/atomicfile"
)

// output is one file `generate` writes: a head, then pieces rendered on demand.
type output struct {
	path   string
	head   []byte
	pieces []func() []byte
}

// writeOutputs renders the pieces of every output on workers goroutines and
// writes them in order, each output to a temporary file in a staging
// directory beside outDir (or beside its path, see atomicfile.StageBeside).
// Only when every output is written and synced are they renamed into place:
// on any error no file changes. At most a few pieces per worker are held at
// a time, whatever the size of the outputs.
func writeOutputs(outDir string, outs []output, workers int) error {
	type piece struct {
		render func() []byte
		done   chan []byte
	}
	inOrder := make(chan piece, 4*workers) // bounds the pieces rendered ahead of the writer
	work := make(chan piece)
	for range workers {
		go func() {
			for p := range work {
				p.done <- p.render()
			}
		}()
	}
	go func() {
		defer close(work)
		defer close(inOrder)
		for _, o := range outs {
			for _, r := range o.pieces {
				p := piece{render: r, done: make(chan []byte, 1)}
				inOrder <- p
				work <- p
			}
		}
	}()

	next := func() []byte { return <-(<-inOrder).done }
	var set atomicfile.Set
	set.StageBeside(outDir) // a ruler's glob over outDir never sees a half-written file
	var err error
	for _, o := range outs {
		if err != nil {
			for range o.pieces {
				next() // drained, so that the workers finish
			}
			continue
		}
		err = writeOutput(&set, o, next)
	}
	if err != nil {
		set.Abort()
		return err
	}
	return set.Commit()
}

// writeOutput writes the head of o and its pieces, taken from next in order, to a file of set. It takes every
// piece of o from next, even after an error.
func writeOutput(set *atomicfile.Set, o output, next func() []byte) error {
	f, err := set.Create(o.path)
	if err == nil {
		_, err = f.Write(o.head)
	}
	for range o.pieces {
		data := next()
		if err == nil {
			_, err = f.Write(data)
		}
	}
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("couldn't write %s: %w", o.path, err)
	}
	return nil
}
