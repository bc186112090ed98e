"""The member form printed on a tablet (CONTRACT §6 `print-form`): every print reaches the audit trail.

The tablet builds the phiếu đảng viên from the form's values and prints it with no network (static/pwa/js/
print-form.js), so the server never sees the paper. It queues a print notice instead, sent with the next sync
(print-outbox.js); `ingest` here records each notice once and audits it as `form.print`.
"""
