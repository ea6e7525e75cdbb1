// Package i18n holds the words of every screen in both languages the site speaks.
//
// Vietnamese is the site's language and the key: a screen asks for a string by its Vietnamese
// text, exactly as the real screens (or docs/strings.md) have it, so the seed's strings stay
// verbatim and the Vietnamese catalog is the set of keys itself. The English catalog maps each
// key to its English text (the en_*.go files, one per actor). Tests check that every key a
// template, a handler or a script uses has its English entry, and that no template shows a
// string that does not go through the catalog.
package i18n

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Lang is a language the site speaks.
type Lang string

// The languages. Vietnamese is the default.
const (
	Vi Lang = "vi"
	En Lang = "en"
)

// Parse reads a language code ("vi", "en", "en-US", case-insensitive).
func Parse(s string) (Lang, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(s, "-_"); i > 0 {
		s = s[:i]
	}
	switch Lang(s) {
	case Vi:
		return Vi, true
	case En:
		return En, true
	}
	return "", false
}

// T is key in l. A key the English catalog lacks shows in Vietnamese (the tests keep that from
// happening); a text that is already English passes through unchanged.
func (l Lang) T(key string) string {
	if l == En {
		if s, ok := english[key]; ok {
			return s
		}
	}
	return key
}

// F formats key in l with args, as fmt.Sprintf does; both languages' texts take the same verbs
// in the same order.
func (l Lang) F(key string, args ...any) string {
	return fmt.Sprintf(l.T(key), args...)
}

// Other is the language a switch offers from l.
func (l Lang) Other() Lang {
	if l == En {
		return Vi
	}
	return En
}

// Name is the language's own name, as a switch shows it.
func (l Lang) Name() string {
	if l == En {
		return "English"
	}
	return "Tiếng Việt"
}

// Prefers reads an Accept-Language header and reports the language among ours it ranks first,
// and false when it names neither.
func Prefers(header string) (Lang, bool) {
	best, bestQ := Lang(""), -1.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		l, ok := Parse(tag)
		if !ok {
			continue
		}
		q := 1.0
		if v, found := strings.CutPrefix(strings.TrimSpace(params), "q="); found {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if q > 0 && q > bestQ {
			best, bestQ = l, q
		}
	}
	return best, best != ""
}

// english is the English catalog, gathered from the en_*.go files.
var english = map[string]string{}

// add puts one actor's part of the English catalog in. A key two parts share must read the
// same in both: the site has one word for one thing.
func add(part map[string]string) {
	for k, v := range part {
		if old, ok := english[k]; ok && old != v {
			panic(fmt.Sprintf("i18n: %q is %q in one part of the catalog and %q in another", k, old, v))
		}
		english[k] = v
	}
}

// English reports key's English text and whether the catalog has it.
func English(key string) (string, bool) {
	s, ok := english[key]
	return s, ok
}

// Keys lists every key of the English catalog.
func Keys() []string {
	keys := make([]string, 0, len(english))
	for k := range english {
		keys = append(keys, k)
	}
	return keys
}

// Message is a text to show later, in the language of whoever reads it: what a package without
// a request (a validator, a rule) returns. As an error, or printed, it reads in Vietnamese.
type Message struct {
	Key  string
	Args []any
}

// Msg makes a Message of key and the arguments its verbs take.
func Msg(key string, args ...any) Message { return Message{Key: key, Args: args} }

// In is m in l.
func (m Message) In(l Lang) string {
	if len(m.Args) == 0 {
		return l.T(m.Key)
	}
	args := make([]any, len(m.Args))
	for i, a := range m.Args {
		if inner, ok := a.(Message); ok { // a part that is itself text, such as a field's name
			a = inner.In(l)
		}
		args[i] = a
	}
	return l.F(m.Key, args...)
}

func (m Message) String() string { return m.In(Vi) }
func (m Message) Error() string  { return m.In(Vi) }

// Any is v in l: a catalog key, a Message, or an error that is (or wraps) a Message; any other
// error or value reads as it prints.
func (l Lang) Any(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return l.T(x)
	case Message:
		return x.In(l)
	case *Message:
		return x.In(l)
	case error:
		var m Message
		if errors.As(x, &m) {
			return m.In(l)
		}
		return l.T(x.Error())
	case fmt.Stringer:
		return l.T(x.String())
	}
	return fmt.Sprint(v)
}
