package client

import (
	"net/url"
	"reflect"
	"testing"
)

func TestParseForms(t *testing.T) {
	tests := []struct {
		name string
		page string
		want Forms
	}{
		{"HiddenAndTextInputs", `<form id="f" method="post" action="/idp/login?x=1">
			<input type="hidden" name="csrf_token" value="tok"><input name="id_number" value="">
			<input type="password" name="password"></form>`,
			Forms{{ID: "f", Action: "http://h/idp/login?x=1", Method: "POST",
				Fields: url.Values{"csrf_token": {"tok"}, "id_number": {""}, "password": {""}}}}},
		{"MethodDefaultsToGetAndActionToThePage", `<form><input name="q" value="khai sinh"></form>`,
			Forms{{Action: "http://h/a/page", Method: "GET", Fields: url.Values{"q": {"khai sinh"}}}}},
		{"RelativeAction", `<form method="POST" action="../b/c"></form>`,
			Forms{{Action: "http://h/b/c", Method: "POST", Fields: url.Values{}}}},
		{"ButtonsFilesDisabledAndNamelessAreNotSent", `<form method="post">
			<input type="submit" name="go" value="1"><button name="b" value="2">x</button>
			<input type="image" name="img"><input type="reset" name="r"><input type="file" name="photo">
			<input name="off" value="3" disabled><input value="no name"></form>`,
			Forms{{Action: "http://h/a/page", Method: "POST", Fields: url.Values{}}}},
		{"CheckboxesAndRadiosOnlyWhenChecked", `<form>
			<input type="checkbox" name="on" checked><input type="checkbox" name="off" value="x">
			<input type="radio" name="r" value="a"><input type="RADIO" name="r" value="b" checked></form>`,
			Forms{{Action: "http://h/a/page", Method: "GET", Fields: url.Values{"on": {"on"}, "r": {"b"}}}}},
		{"TextareaAndSelect", `<form><textarea name="t">line 1
line 2 &amp; <b>not a tag</b></textarea>
			<select name="picked"><option value="1">One<option value="2" selected>Two</select>
			<select name="first"><optgroup><option>  Plain text  </option></optgroup><option value="z">Z</select>
			<select name="empty"></select></form>`,
			Forms{{Action: "http://h/a/page", Method: "GET", Fields: url.Values{
				"t": {"line 1\nline 2 & <b>not a tag</b>"}, "picked": {"2"}, "first": {"Plain text"}, "empty": {""}}}}},
		{"RepeatedNamesKeepEveryValue", `<form><input name="a" value="1"><input name="a" value="2"></form>`,
			Forms{{Action: "http://h/a/page", Method: "GET", Fields: url.Values{"a": {"1", "2"}}}}},
		{"ControlsOutsideTheirFormJoinByID", `<input name="early" form="late" value="e">
			<form id="other"><input name="mine" value="m"></form>
			<form id="late"><input name="own" value="o"></form>
			<input name="stray" value="s"><input name="lost" form="nowhere" value="l">`,
			Forms{{ID: "other", Action: "http://h/a/page", Method: "GET", Fields: url.Values{"mine": {"m"}}},
				{ID: "late", Action: "http://h/a/page", Method: "GET", Fields: url.Values{"own": {"o"}, "early": {"e"}}}}},
		{"NestedFormIsNotAForm", `<form id="outer"><form id="inner"><input name="a" value="1"></form></form>`,
			Forms{{ID: "outer", Action: "http://h/a/page", Method: "GET", Fields: url.Values{"a": {"1"}}}}},
		{"UnclosedTagsCommentsAndATagCutByTheEnd", `<p><form method=post action=/x><!-- <input name="hidden" value="no"> -->
			<input name=a value=1><div><input name=b value='2'><input name=cut value=3`,
			Forms{{Action: "http://h/x", Method: "POST", Fields: url.Values{"a": {"1"}, "b": {"2"}}}}},
		{"NoForms", `<html><body><input name="a"></body></html>`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ParseForms("http://h/a/page", tc.page); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ParseForms:\n got %#v\nwant %#v", got, tc.want)
			}
		})
	}
}

func TestFormsFind(t *testing.T) {
	fs := ParseForms("http://h/idp/login/otp", `
		<form method="post" action="/idp/login/otp/resend"><input type="hidden" name="channel" value="sms"></form>
		<form method="post" action="/idp/login/otp?authRequestID=1"><input name="otp"></form>`)
	if f, ok := fs.With("otp"); !ok || f.Action != "http://h/idp/login/otp?authRequestID=1" {
		t.Errorf("With(otp) = %+v, %v", f, ok)
	}
	if f, ok := fs.To("/idp/login/otp"); !ok || !f.Fields.Has("otp") {
		t.Errorf("To(/idp/login/otp) = %+v, %v: the query is no part of the path", f, ok)
	}
	if _, ok := fs.With("password"); ok {
		t.Error("With(password) found a form")
	}
	if _, ok := fs.To("/idp/login"); ok {
		t.Error("To(/idp/login) matched a longer path")
	}
}

func TestFormValuesLeavesTheFormAlone(t *testing.T) {
	f := Form{Fields: url.Values{"csrf_token": {"t"}, "otp": {""}, "multi": {"1", "2"}}}
	v := f.Values(map[string]string{"otp": "123456", "new": "x"})
	want := url.Values{"csrf_token": {"t"}, "otp": {"123456"}, "multi": {"1", "2"}, "new": {"x"}}
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("Values = %v, want %v", v, want)
	}
	v["multi"][0] = "changed"
	if f.Fields.Get("otp") != "" || f.Fields.Has("new") || f.Fields["multi"][0] != "1" {
		t.Fatalf("Values changed the form: %v", f.Fields)
	}
}
