/**
 * The widget's stylesheet. It lives in the shadow root (`:host { all: initial }`), so the host
 * page's CSS cannot reach it and it cannot reach the page. Theme values arrive as custom
 * properties set on the host element.
 */

export const WIDGET_CSS = `
:host {
  all: initial;
  --o-primary: #4f46e5;
  --o-on-primary: #ffffff;
  --o-bg: #ffffff;
  --o-text: #1f2328;
  --o-muted: #57606a;
  --o-border: #d0d7de;
  --o-surface: #f6f8fa;
  --o-danger: #b42318;
  --o-danger-bg: #fef3f2;
  --o-ok: #067647;
  --o-radius: 14px;
  --o-font: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  --o-focus: #1a73e8;
}
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
.root {
  position: fixed;
  bottom: 20px;
  right: 20px;
  z-index: 2147483000;
  font-family: var(--o-font);
  font-size: 15px;
  line-height: 1.45;
  color: var(--o-text);
  display: flex;
  flex-direction: column;
  align-items: flex-end;
  gap: 12px;
  /* Inherited properties the host page may have set on our host element. */
  letter-spacing: normal; word-spacing: normal; text-transform: none; text-indent: 0;
  text-align: left; text-shadow: none; font-style: normal; font-weight: 400;
  white-space: normal; direction: ltr; visibility: visible; cursor: auto;
  -webkit-font-smoothing: antialiased;
}
.root.left { right: auto; left: 20px; align-items: flex-start; }
button, input, select, textarea { font: inherit; color: inherit; }
button { cursor: pointer; }
button:disabled { cursor: not-allowed; opacity: .6; }
:focus { outline: none; }
:focus-visible, .radio-group:focus, .form-title:focus-visible {
  outline: 3px solid var(--o-focus);
  outline-offset: 2px;
}
.sr-only {
  position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0;
}

/* Launcher */
.launcher {
  width: 60px; height: 60px; border-radius: 50%;
  border: 0; background: var(--o-primary); color: var(--o-on-primary);
  display: inline-flex; align-items: center; justify-content: center;
  box-shadow: 0 6px 20px rgba(0,0,0,.22), 0 1px 3px rgba(0,0,0,.2);
  transition: transform .15s ease, box-shadow .15s ease;
}
.launcher:hover { transform: translateY(-1px) scale(1.03); }
.root.unavailable { --o-primary: #57606a; --o-on-primary: #ffffff; }
.root.unavailable .avatar { display: none; }
.launcher .badge {
  position: absolute; margin: -34px -34px 0 0; width: 14px; height: 14px; border-radius: 50%;
  background: #2da44e; border: 2px solid #fff;
}

/* Panel */
.panel {
  width: min(380px, calc(100vw - 24px));
  max-height: min(640px, calc(100vh - 110px));
  display: flex; flex-direction: column;
  background: var(--o-bg); color: var(--o-text);
  border-radius: var(--o-radius);
  box-shadow: 0 12px 40px rgba(0,0,0,.25), 0 2px 6px rgba(0,0,0,.12);
  overflow: hidden;
  transform-origin: bottom right;
  animation: o-pop .16s ease-out;
}
.root.left .panel { transform-origin: bottom left; }
@keyframes o-pop { from { opacity: 0; transform: translateY(8px) scale(.98); } to { opacity: 1; transform: none; } }
.head {
  display: flex; align-items: center; gap: 10px;
  padding: 12px 12px 12px 16px;
  background: var(--o-primary); color: var(--o-on-primary);
}
.avatar {
  width: 34px; height: 34px; border-radius: 50%; flex: none;
  display: inline-flex; align-items: center; justify-content: center;
  background: rgba(255,255,255,.2); font-weight: 700;
}
.head .titles { flex: 1; min-width: 0; }
.head h2 { margin: 0; font-size: 16px; font-weight: 650; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.status { margin: 0; font-size: 13px; opacity: .92; display: flex; align-items: center; gap: 6px; }
.dot { width: 8px; height: 8px; border-radius: 50%; background: currentColor; opacity: .6; flex: none; }
.status[data-state="connected"] .dot { background: #4ade80; opacity: 1; }
.status[data-state="connecting"] .dot { animation: o-blink 1s infinite; }
.status[data-state="error"] .dot { background: #fca5a5; opacity: 1; }
@keyframes o-blink { 50% { opacity: .15; } }
.icon-btn {
  width: 36px; height: 36px; flex: none; border-radius: 50%; border: 0;
  background: transparent; color: inherit;
  display: inline-flex; align-items: center; justify-content: center;
}
.icon-btn:hover { background: rgba(127,127,127,.18); }

.notice {
  margin: 12px 12px 0; padding: 10px 12px;
  border-radius: 10px; border: 1px solid #fecdca;
  background: var(--o-danger-bg); color: var(--o-danger);
  font-size: 14px;
}
.notice p { margin: 0; }
.notice .detail { margin-top: 4px; font-size: 12.5px; color: #7a271a; word-break: break-word; }
.notice .actions { margin-top: 8px; display: flex; gap: 8px; flex-wrap: wrap; }

.main { flex: 1; min-height: 0; overflow-y: auto; padding: 12px 16px; }
.intro { margin: 4px 0 8px; color: var(--o-muted); font-size: 14px; }
.captions { display: flex; flex-direction: column; gap: 8px; margin: 0; padding: 0; list-style: none; }
.line { max-width: 88%; padding: 8px 11px; border-radius: 12px; font-size: 14.5px; word-wrap: break-word; }
.line .who { display: block; font-size: 11.5px; font-weight: 650; opacity: .75; margin-bottom: 1px; }
.line.agent { align-self: flex-start; background: var(--o-surface); border-bottom-left-radius: 4px; }
.line.user { align-self: flex-end; background: var(--o-primary); color: var(--o-on-primary); border-bottom-right-radius: 4px; }
.line.user.note { background: var(--o-bg); color: var(--o-muted); border: 1px dashed var(--o-border); font-size: 13.5px; }
.line.interim { opacity: .7; }
.line.pending::after { content: "…"; }

.forms-menu { padding: 0 16px 8px; display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.forms-menu .label { font-size: 12.5px; color: var(--o-muted); margin-right: 2px; }
.chip {
  display: inline-flex; align-items: center; gap: 6px;
  border: 1px solid var(--o-border); background: var(--o-bg);
  border-radius: 999px; padding: 5px 11px; font-size: 13.5px;
}
.chip:hover { border-color: var(--o-primary); }

.controls { display: flex; gap: 8px; padding: 10px 12px; border-top: 1px solid var(--o-border); align-items: center; }
.btn {
  display: inline-flex; align-items: center; justify-content: center; gap: 8px;
  min-height: 40px; padding: 8px 16px; border-radius: 10px;
  border: 1px solid transparent; font-weight: 600; font-size: 14.5px;
}
.btn.primary { background: var(--o-primary); color: var(--o-on-primary); }
.btn.secondary { background: var(--o-bg); border-color: var(--o-border); color: var(--o-text); }
.btn.danger { background: #d1242f; color: #fff; }
.btn.small { min-height: 32px; padding: 4px 12px; font-size: 13.5px; }
.controls .grow { flex: 1; }
.btn[aria-pressed="true"] { background: var(--o-surface); border-color: var(--o-text); }

.composer { display: flex; gap: 8px; padding: 0 12px 12px; }
.composer input {
  flex: 1; min-width: 0; min-height: 40px; padding: 8px 12px;
  border: 1px solid var(--o-border); border-radius: 10px; background: var(--o-bg);
}
.composer .icon-btn { background: var(--o-primary); color: var(--o-on-primary); border-radius: 10px; width: 42px; height: 40px; }

/* Forms */
.oshara-form { display: flex; flex-direction: column; gap: 6px; }
.form-head { display: flex; align-items: flex-start; gap: 8px; justify-content: space-between; }
.form-title { margin: 0; font-size: 17px; font-weight: 650; }
.form-subtitle { margin: 2px 0 0; color: var(--o-muted); font-size: 14px; }
.form-progress { margin: 4px 0 4px; font-size: 13px; color: var(--o-muted); font-weight: 600; }
.bar { display: block; height: 4px; border-radius: 2px; background: var(--o-surface); overflow: hidden; margin-bottom: 8px; }
.bar-fill { display: block; height: 100%; background: var(--o-primary); transition: width .2s ease; }
.fields { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 12px 10px; }
.field { grid-column: 1 / -1; display: flex; flex-direction: column; gap: 4px; min-width: 0; }
.field.half { grid-column: span 1; }
.label { font-size: 13.5px; font-weight: 600; }
.req { color: var(--o-danger); }
.field input:not([type=radio]):not([type=checkbox]), .field select, .field textarea {
  width: 100%; min-height: 40px; padding: 8px 10px;
  border: 1px solid var(--o-border); border-radius: 8px; background: var(--o-bg);
}
.field textarea { resize: vertical; }
.field.invalid input, .field.invalid select, .field.invalid textarea { border-color: var(--o-danger); }
.help { font-size: 12.5px; color: var(--o-muted); }
.error { margin: 0; font-size: 13px; color: var(--o-danger); font-weight: 550; }
.display { margin: 0; color: var(--o-text); font-size: 14px; }
.choice { display: flex; align-items: center; gap: 8px; min-height: 28px; }
.choice input { width: 18px; height: 18px; margin: 0; accent-color: var(--o-primary); flex: none; }
.choice label { font-size: 14px; }
.radio-group { display: flex; flex-direction: column; gap: 2px; border-radius: 6px; }
.form-error { margin: 8px 0 0; color: var(--o-danger); font-size: 13.5px; font-weight: 550; }
.form-nav { display: flex; justify-content: flex-end; gap: 8px; margin-top: 14px; }
.form-success { display: flex; flex-direction: column; gap: 12px; align-items: flex-start; padding: 8px 0; }
.success-text { margin: 0; color: var(--o-ok); font-weight: 600; }

@media (max-width: 360px) {
  .root, .root.left { bottom: 10px; right: 10px; }
  .root.left { left: 10px; }
  .panel { width: calc(100vw - 20px); max-height: calc(100vh - 90px); }
  .fields { grid-template-columns: minmax(0, 1fr); }
  .field.half { grid-column: 1 / -1; }
  .controls { flex-wrap: wrap; }
}
@media (prefers-reduced-motion: reduce) {
  *, *::before, *::after { animation: none !important; transition: none !important; }
}
@media (forced-colors: active) {
  .launcher, .btn, .chip { border: 1px solid ButtonText; }
}
`;
