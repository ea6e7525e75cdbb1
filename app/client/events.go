package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Event is one server-sent event.
type Event struct {
	Name string    // the event's type; "message" when the server named none
	Data string    // its data lines, joined by "\n"
	ID   string    // the last event id the stream set
	At   time.Time // when it arrived
}

// Decode reads the event's data as JSON.
func (e Event) Decode(v any) error { return json.Unmarshal([]byte(e.Data), v) }

// ReadEvents reads an event stream (text/event-stream, as the HTML standard defines it) from r
// and hands each event to fn until the stream ends or fn returns false. Comments (the
// server's ": ping" keep-alives) and unknown fields are skipped, and so is an event without
// data, as a browser's EventSource does; an event the stream cut before its blank line is
// not delivered.
func ReadEvents(r io.Reader, fn func(Event) bool) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 1<<20)
	sc.Split(scanLines)
	var name, id string
	var data strings.Builder
	first := true
	for sc.Scan() {
		line := sc.Text()
		if first {
			line, first = strings.TrimPrefix(line, "\ufeff"), false
		}
		if line == "" {
			if data.Len() > 0 {
				ev := Event{Name: name, Data: strings.TrimSuffix(data.String(), "\n"), ID: id, At: time.Now()}
				if ev.Name == "" {
					ev.Name = "message"
				}
				if !fn(ev) {
					return nil
				}
			}
			name = ""
			data.Reset()
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			name = value
		case "data":
			data.WriteString(value)
			data.WriteByte('\n')
		case "id":
			if !strings.ContainsRune(value, 0) {
				id = value
			}
		}
	}
	return sc.Err()
}

// scanLines splits at CRLF, LF or a lone CR: an event stream may end its lines with any.
func scanLines(data []byte, atEOF bool) (int, []byte, error) {
	i := bytes.IndexAny(data, "\r\n")
	switch {
	case i < 0:
		if atEOF && len(data) > 0 {
			return len(data), data, nil
		}
		return 0, nil, nil
	case data[i] == '\n':
		return i + 1, data[:i], nil
	case i+1 < len(data):
		if data[i+1] == '\n' {
			return i + 2, data[:i], nil
		}
		return i + 1, data[:i], nil
	case atEOF:
		return i + 1, data[:i], nil
	}
	return 0, nil, nil // a CR at the end of what was read: an LF may follow
}

// Stream is an open event stream.
type Stream struct {
	Events <-chan Event // closed when the stream ends
	cancel context.CancelFunc
}

// Close ends the stream.
func (s *Stream) Close() { s.cancel() }

// Events opens the event stream at target as this browser. The stream lives until the server
// ends it, ctx ends or Close: the browser's client timeout, meant for one request, does not
// bound it.
func (b *Browser) Events(ctx context.Context, target string) (*Stream, error) {
	ctx, cancel := context.WithCancel(ctx)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.resolve(target), nil)
	if err != nil {
		cancel()
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	b.addHeaders(req)
	hc := *b.HTTP
	hc.Timeout = 0
	resp, err := hc.Do(req)
	if err != nil {
		cancel()
		return nil, err
	}
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || !strings.HasPrefix(ct, "text/event-stream") {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("event stream %s: HTTP %d %s", req.URL.Redacted(), resp.StatusCode, ct)
	}
	out := make(chan Event, 64)
	go func() {
		defer close(out)
		defer resp.Body.Close()
		ReadEvents(resp.Body, func(ev Event) bool {
			select {
			case out <- ev:
				return true
			case <-ctx.Done():
				return false
			}
		})
	}()
	return &Stream{Events: out, cancel: cancel}, nil
}
