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

// "Xóa công dân": a page that says what deleting ends, and the form that deletes. The form
// carries the citizen's ID number: a POST that does not name it (a stale or forged request)
// deletes nothing.

// deleteCitizenPage asks the operator to confirm.
type deleteCitizenPage struct {
	web.Page
	shell
	Citizen store.Citizen
}

func (con *Console) showDeleteCitizen(c echo.Context) error {
	cit, err := con.citizen(c)
	if err != nil {
		return err
	}
	sh, err := con.newShell(c, "citizens")
	if err != nil {
		return err
	}
	return con.d.Render.Page(c, http.StatusOK, "console/citizen-delete", &deleteCitizenPage{
		Page: web.NewPage(c, "Xóa công dân"), shell: sh, Citizen: cit})
}

func (con *Console) submitDeleteCitizen(c echo.Context) error {
	cit, err := con.citizen(c)
	if err != nil {
		return err
	}
	if c.FormValue("confirm_id_number") != cit.IDNumber {
		return con.back(c, "error", i18n.Msg("Chưa xóa %s: hãy xác nhận trên trang xóa công dân.", cit.FullName))
	}
	ended, err := con.d.Store.DeleteCitizen(c.Request().Context(), cit.ID, con.d.Now())
	if errors.Is(err, store.ErrNotFound) {
		return con.back(c, "error", i18n.Msg("Công dân này đã bị xóa trước đó."))
	}
	if err != nil {
		return err
	}
	con.audit(c, "citizen_deleted", cit.ID, fmt.Sprintf("%s %s; %d sessions and tokens ended", cit.IDNumber, cit.FullName, ended))
	return con.back(c, "ok", i18n.Msg("Đã xóa công dân %s (số định danh %s) và đăng xuất công dân này khỏi mọi nơi.", cit.FullName, cit.IDNumber))
}
