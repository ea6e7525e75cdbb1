package console

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"dvclogin/app/i18n"
	"dvclogin/app/web"
	"dvclogin/store"
)

// The operator's actions on one registered service: removing it (after a confirmation page,
// since it logs out every citizen of the service) and giving it a new secret. Both are audited.

// clientRemovePage asks the operator to confirm a removal.
type clientRemovePage struct {
	web.Page
	shell
	Client store.OIDCClient
}

// registered loads the registered client named in the URL; a built-in or unknown id is the
// error page.
func (con *Console) registered(c echo.Context) (store.OIDCClient, error) {
	id := c.Param("id")
	cl, err := con.d.Store.OIDCClientByID(c.Request().Context(), id)
	if errors.Is(err, store.ErrNotFound) || web.IsBuiltinClient(id) {
		return cl, &web.Error{Status: http.StatusNotFound, Code: "not_found",
			Msg: "Không tìm thấy ứng dụng tích hợp này. Có thể nó đã bị xóa; hãy quay lại danh sách Ứng dụng tích hợp."}
	}
	return cl, err
}

func (con *Console) showRemoveClient(c echo.Context) error {
	cl, err := con.registered(c)
	if err != nil {
		return err
	}
	sh, err := con.newShell(c, "clients")
	if err != nil {
		return err
	}
	return con.d.Render.Page(c, http.StatusOK, "console/clients-remove", &clientRemovePage{
		Page: web.NewPage(c, "Xóa ứng dụng tích hợp"), shell: sh, Client: cl})
}

func (con *Console) submitRemoveClient(c echo.Context) error {
	cl, err := con.registered(c)
	if err != nil {
		return err
	}
	r, err := web.RemoveOIDCClient(c.Request().Context(), con.d.Store, cl.ID, con.d.Now())
	if err != nil {
		return err
	}
	con.audit(c, "oidc_client_removed", "", fmt.Sprintf("client=%s tokens=%d grants=%d", cl.ID, r.Tokens, r.Grants))
	if err := con.flash(c, "ok", i18n.Msg("Đã xóa ứng dụng %q (%s) và thu hồi %d token của nó: dịch vụ này không còn đăng nhập qua Cổng thông tin định danh điện tử được nữa.",
		cl.Name, cl.ID, r.Tokens)); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/console/clients")
}

// submitRotateClientSecret gives a confidential client a new secret and shows it: the page is
// the answer to the POST itself.
func (con *Console) submitRotateClientSecret(c echo.Context) error {
	cl, err := con.registered(c)
	if err != nil {
		return err
	}
	secret, err := web.RotateOIDCClientSecret(c.Request().Context(), con.d.Store, cl.ID, con.d.Now())
	if err != nil {
		return err
	}
	con.audit(c, "oidc_client_secret_rotated", "", "client="+cl.ID)
	return con.renderSecret(c, cl, secret, true)
}
