/**
 * The markup of the lead's board screen and the bulk-planning dialog: static text with data-i18n keys, no
 * data (rows are built with el()). Inserted into the page when the board is first opened, not at start.
 */
import {translateTree} from './i18n.js';
import {markup} from './lazy.js';

const BOARD = `
  <section class="screen" data-screen="board" hidden>
    <div class="board">
      <div class="screen-head">
        <button type="button" class="btn ghost" data-go="home" data-i18n="form.back">← Quay lại</button>
        <h1 data-i18n="board.title">Bảng lịch thăm</h1>
        <span class="spacer"></span>
        <button type="button" class="btn" data-action="board-reload" data-i18n="board.reload">Tải lại</button>
        <button type="button" class="btn primary" data-action="bulk-open" data-i18n="board.bulk">+ Lập lịch từ danh sách cần thăm</button>
      </div>
      <p class="warn" id="board-offline" role="alert" hidden></p>
      <section class="card devices-panel" id="devices-panel" aria-labelledby="devices-title">
        <h2 id="devices-title" data-i18n="devices.title">Bản ghi còn trên máy tính bảng</h2>
        <p class="devices-summary" id="devices-summary" role="status"></p>
        <ul class="devices" id="devices-list"></ul>
      </section>
      <section class="card stations-panel" id="stations-panel" aria-labelledby="stations-title">
        <h2 id="stations-title" data-i18n="stations.title">Lượt đến điểm thu nhận hôm nay</h2>
        <p class="muted" id="stations-summary" role="status"></p>
        <div id="stations-load"></div>
      </section>
      <form class="board-filters" id="board-filters">
        <label class="field"><span class="label" data-i18n="board.cell">Chi bộ</span>
          <select name="cell"></select></label>
        <label class="field"><span class="label" data-i18n="board.status">Trạng thái</span>
          <select name="status">
            <option value="open" data-i18n="status.open">Đang mở</option>
            <option value="could_not_collect" data-i18n="status.could_not_collect">Không gặp được</option>
            <option value="done" data-i18n="status.done">Đã thu nhận</option>
            <option value="all" data-i18n="status.all">Tất cả</option>
          </select></label>
        <label class="field"><span class="label" data-i18n="board.dueBy">Hạn đến ngày</span>
          <input name="due" inputmode="numeric" autocomplete="off" data-i18n-placeholder="f.datePlaceholder" placeholder="dd/mm/yyyy"></label>
        <label class="check"><input type="checkbox" name="overdue"><span data-i18n="board.overdueOnly">Chỉ lịch quá hạn</span></label>
      </form>
      <p class="muted" id="board-status" role="status"></p>
      <div class="board-groups" id="board-groups"></div>
    </div>
    <form class="action-bar" id="board-actions" hidden novalidate>
      <strong id="board-selected"></strong>
      <label class="field"><span class="label" data-i18n="board.assignTo">Giao cho</span>
        <select name="assignee"></select></label>
      <label class="field reason"><span class="label" data-i18n="board.reason">Lý do</span>
        <input name="reason" maxlength="2000" autocomplete="off"></label>
      <label class="field" id="board-new-due" hidden><span class="label" data-i18n="board.newDue">Hạn mới</span>
        <input name="due" inputmode="numeric" autocomplete="off" data-i18n-placeholder="f.datePlaceholder" placeholder="dd/mm/yyyy"></label>
      <div class="reason-chips" id="reason-chips"></div>
      <p class="error" role="alert" hidden></p>
      <div class="bar-buttons">
        <button type="submit" class="btn primary big" data-action="reassign" data-i18n="board.reassign">Giao lại</button>
        <button type="button" class="btn ghost" data-action="clear-selection" data-i18n="board.clear">Bỏ chọn</button>
      </div>
    </form>
  </section>


<dialog class="dialog wide" id="bulk-dialog">
  <form id="bulk-form" novalidate>
    <h2 data-i18n="bulk.title">Lập lịch thăm từ danh sách cần thăm tại nhà</h2>
    <p class="muted" data-i18n="bulk.help"></p>
    <div class="bulk-grid">
      <fieldset><legend data-i18n="bulk.cells">Chi bộ</legend><div class="choices" id="bulk-cells"></div></fieldset>
      <fieldset><legend data-i18n="bulk.officers">Cán bộ</legend><div class="choices" id="bulk-officers"></div></fieldset>
    </div>
    <div class="bulk-row">
      <fieldset><legend data-i18n="bulk.strategy">Cách chia</legend>
        <label class="choice"><input type="radio" name="strategy" value="round_robin" checked><span data-i18n="bulk.round_robin">Lần lượt</span></label>
        <label class="choice"><input type="radio" name="strategy" value="least_load"><span data-i18n="bulk.least_load">Ưu tiên người ít việc</span></label>
      </fieldset>
      <fieldset><legend data-i18n="bulk.kind">Loại</legend>
        <label class="choice"><input type="radio" name="kind" value="home" checked><span data-i18n="loc.home">Tại nhà</span></label>
        <label class="choice"><input type="radio" name="kind" value="hospital"><span data-i18n="loc.hospital">Tại bệnh viện</span></label>
      </fieldset>
      <label class="field"><span class="label" data-i18n="bulk.due">Hạn hoàn thành</span>
        <input name="due" inputmode="numeric" autocomplete="off" data-i18n-placeholder="f.datePlaceholder" placeholder="dd/mm/yyyy"></label>
    </div>
    <p class="error" role="alert" hidden></p>
    <div class="bulk-result" id="bulk-result" role="status" hidden></div>
    <div class="actions">
      <button type="submit" class="btn primary big" data-action="bulk-create" data-i18n="bulk.create">Lập lịch</button>
      <button type="button" class="btn ghost big" data-action="bulk-close" data-i18n="bulk.close">Đóng</button>
    </div>
  </form>
</dialog>

`;

/** Put the board screen and the bulk dialog into the page (once), translated. */
export function insertBoardMarkup() {
  if (document.querySelector('section[data-screen=board]')) return;
  const nodes = markup(BOARD);
  translateTree(nodes);
  const [section, dialog] = [nodes.querySelector('section'), nodes.querySelector('dialog')];
  document.querySelector('#app').append(section);
  document.querySelector('#toasts').before(dialog);
}
