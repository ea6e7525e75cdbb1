package console

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"dvclogin/app/web"
	"dvclogin/store"
)

// "Ứng dụng tích hợp": the services an operator registered as OpenID Connect clients of the
// identity provider, as `dvclogin clients` does at the command line. A new secret is shown once,
// as the answer to the POST that made it: it never travels through the session or a URL, and
// only its digest is kept.

// clientsPage lists the registered services with the form to add one.
type clientsPage struct {
	web.Page
	shell
	Clients      []clientRow
	Form         clientForm
	FormError    string // why the add form was refused, in the page's language
	Issuer       string
	DiscoveryURL string
	PortalID     string
	DemoID       string
}

// clientRow is one registered service as the operator sees it.
type clientRow struct {
	store.OIDCClient
	Kind string // a catalog key
}

// clientForm is what the operator typed in the add form, kept when it is refused.
type clientForm struct {
	ID, Name, RedirectURIs, PostLogoutRedirectURIs string
	Public                                         bool
}

// clientSecretPage shows a confidential client's secret, once.
type clientSecretPage struct {
	web.Page
	shell
	Client  store.OIDCClient
	Secret  string // "" for a public client
	Rotated bool   // a new secret for an existing client, not a new client
	Issuer  string
}

// clientKind says in words how a client proves itself.
func clientKind(public bool) string {
	if public {
		return "Công khai (public, PKCE S256)"
	}
	return "Bảo mật (confidential)"
}

func (con *Console) showClients(c echo.Context) error {
	return con.renderClients(c, http.StatusOK, clientForm{}, "")
}

// renderClients shows the list, with the add form holding form and its refusal msg.
func (con *Console) renderClients(c echo.Context, status int, form clientForm, msg string) error {
	list, err := con.d.Store.ListOIDCClients(c.Request().Context())
	if err != nil {
		return err
	}
	rows := make([]clientRow, 0, len(list))
	for _, cl := range list {
		rows = append(rows, clientRow{OIDCClient: cl, Kind: clientKind(cl.Public)})
	}
	sh, err := con.newShell(c, "clients")
	if err != nil {
		return err
	}
	page := web.NewPage(c, "Ứng dụng tích hợp")
	page.Here = "/console/clients"
	return con.d.Render.Page(c, status, "console/clients", &clientsPage{
		Page: page, shell: sh, Clients: rows, Form: form, FormError: msg,
		Issuer: con.d.URL("/idp"), DiscoveryURL: con.d.URL("/idp/.well-known/openid-configuration"),
		PortalID: web.PortalClientID, DemoID: web.DemoClientID})
}

// lines splits a textarea into its lines; NewOIDCClient drops the blank ones.
func lines(s string) []string { return strings.Split(s, "\n") }

func (con *Console) submitAddClient(c echo.Context) error {
	form := clientForm{ID: c.FormValue("id"), Name: c.FormValue("name"), RedirectURIs: c.FormValue("redirect_uris"),
		PostLogoutRedirectURIs: c.FormValue("post_logout_redirect_uris"), Public: c.FormValue("public") == "1"}
	cl, secret, err := web.NewOIDCClient(form.ID, form.Name, lines(form.RedirectURIs), lines(form.PostLogoutRedirectURIs),
		form.Public, con.d.Now())
	if err == nil {
		err = web.RegisterOIDCClient(c.Request().Context(), con.d.Store, cl)
	}
	var refused *web.Error
	if errors.As(err, &refused) {
		return con.renderClients(c, refused.Status, form, web.Lang(c).Any(err))
	}
	if err != nil {
		return err
	}
	kind := "confidential"
	if cl.Public {
		kind = "public"
	}
	con.audit(c, "oidc_client_added", "", fmt.Sprintf("client=%s (%s) name=%q redirect_uris=%s", cl.ID, kind, cl.Name,
		strings.Join(cl.RedirectURIs, " ")))
	return con.renderSecret(c, cl, secret, false)
}

// renderSecret shows a client with its new secret, or for a public client what it needs.
func (con *Console) renderSecret(c echo.Context, cl store.OIDCClient, secret string, rotated bool) error {
	sh, err := con.newShell(c, "clients")
	if err != nil {
		return err
	}
	title := "Đã đăng ký ứng dụng tích hợp"
	if rotated {
		title = "Khóa bí mật mới"
	}
	page := web.NewPage(c, title)
	page.Here = "/console/clients"        // the secret is shown once, by the POST: the switch leads to the list
	page.Scripts = []string{"console.js"} // the "Sao chép" button
	return con.d.Render.Page(c, http.StatusOK, "console/clients-secret", &clientSecretPage{
		Page: page, shell: sh, Client: cl, Secret: secret, Rotated: rotated, Issuer: con.d.URL("/idp")})
}
