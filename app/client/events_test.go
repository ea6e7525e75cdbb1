package client

import (
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// readAll reads every event of a stream (their arrival times aside), one byte per read, so
// that every line ending also falls on a read boundary.
func readAll(t *testing.T, stream string) []Event {
	t.Helper()
	var got []Event
	err := ReadEvents(iotest.OneByteReader(strings.NewReader(stream)), func(ev Event) bool {
		if ev.At.IsZero() {
			t.Error("event without its arrival time")
		}
		got = append(got, Event{Name: ev.Name, Data: ev.Data, ID: ev.ID})
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestReadEvents(t *testing.T) {
	tests := []struct {
		name   string
		stream string
		want   []Event
	}{
		{"AsTheServerWritesThem", "event: waiting\ndata: {\"state\":\"waiting\"}\n\n: ping\n\nevent: scanned\ndata: {}\n\n",
			[]Event{{Name: "waiting", Data: `{"state":"waiting"}`}, {Name: "scanned", Data: "{}"}}},
		{"MultiLineData", "data: first\ndata:second\ndata\ndata:  two spaces\n\n",
			[]Event{{Name: "message", Data: "first\nsecond\n\n two spaces"}}},
		{"CommentsAnywhere", ":hello\nevent: a\n: between fields\ndata: x\n:\n\n",
			[]Event{{Name: "a", Data: "x"}}},
		{"CRLFAndLoneCR", "event: a\r\ndata: 1\r\n\r\nevent: b\rdata: 2\r\rdata: 3\r\n\n",
			[]Event{{Name: "a", Data: "1"}, {Name: "b", Data: "2"}, {Name: "message", Data: "3"}}},
		{"ByteOrderMark", "\ufeffdata: x\n\n", []Event{{Name: "message", Data: "x"}}},
		{"EventWithoutDataIsNotDispatched", "event: lonely\n\ndata: y\n\n", []Event{{Name: "message", Data: "y"}}},
		{"IDCarriesOver", "id: 7\ndata: a\n\ndata: b\n\nid\ndata: c\n\n",
			[]Event{{Name: "message", Data: "a", ID: "7"}, {Name: "message", Data: "b", ID: "7"}, {Name: "message", Data: "c"}}},
		{"UnknownFieldsAndRetryIgnored", "retry: 1000\nfoo: bar\ndata: z\n\n", []Event{{Name: "message", Data: "z"}}},
		{"EventCutByTheEndIsNotDelivered", "data: whole\n\ndata: cut", []Event{{Name: "message", Data: "whole"}}},
		{"Empty", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := readAll(t, tc.stream); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("events:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestReadEventsStopsWhenTold(t *testing.T) {
	n := 0
	err := ReadEvents(strings.NewReader("data: 1\n\ndata: 2\n\ndata: 3\n\n"), func(Event) bool {
		n++
		return n < 2
	})
	if err != nil || n != 2 {
		t.Fatalf("read %d events (%v), want to stop after 2", n, err)
	}
}

func TestEventDecode(t *testing.T) {
	var st QRStatus
	ev := Event{Name: "confirmed", Data: `{"state":"confirmed","redirect":"/idp/qr/x/finish"}`}
	if err := ev.Decode(&st); err != nil || st.State != "confirmed" || st.Redirect != "/idp/qr/x/finish" {
		t.Fatalf("Decode = %+v, %v", st, err)
	}
}
