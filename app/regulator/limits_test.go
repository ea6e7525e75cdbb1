package regulator

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// Every window a rule counts in is covered by AttemptWindow (the attempt log) or SMSWindow
// (the record of sent SMS), so that the purge keeps all a rule reads. A window added to Limits
// later is checked here without naming it.
func TestWindowsCoverEveryRule(t *testing.T) {
	l := DefaultLimits()
	v := reflect.ValueOf(l)
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if f.Type != reflect.TypeOf(time.Duration(0)) || !strings.HasSuffix(f.Name, "Window") {
			continue
		}
		d, cover, by := time.Duration(v.Field(i).Int()), l.AttemptWindow(), "AttemptWindow"
		if strings.HasPrefix(f.Name, "SMS") {
			cover, by = l.SMSWindow(), "SMSWindow"
		}
		if cover < d {
			t.Errorf("%s %v is longer than %s %v", f.Name, d, by, cover)
		}
	}
	if l.AttemptWindow() < codeWindow {
		t.Errorf("AttemptWindow %v shorter than the wrong-code window %v", l.AttemptWindow(), codeWindow)
	}
	if l.SMSWindow() < time.Hour {
		t.Errorf("SMSWindow %v shorter than the hourly SMS budget", l.SMSWindow())
	}
}
