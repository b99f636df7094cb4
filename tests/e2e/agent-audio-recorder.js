// Records what the page hears from the agent, for tests that transcribe it (tests/e2e/).
// Injected after web/tests-browser/call-probe.js (playwright `addInitScript`): it wraps the
// (probed) RTCPeerConnection once more and, for each remote audio track, keeps the PCM that
// Web Audio receives. In Chromium a remote WebRTC track only reaches Web Audio while a media
// element plays it, so this is the audio the widget actually played.
//
// The samples are collected by an AudioWorklet on the audio thread (a ScriptProcessorNode
// runs on the page's main thread and loses audio when that thread is busy, which garbled
// words on a loaded 2-core machine) and posted to the page in blocks of about 0.25 s.
//
// window.__osharaRecorder:
//   rate     — the AudioContext's sample rate
//   tracks   — [{id, blocks: [{frame, samples: Float32Array}], origin}]
//   export(i) → {rate, start, frames, gaps, pcm: base64 of 16-bit little-endian mono samples}
//               `start`: performance.now() of the first sample; `gaps`: frames missing
//               between blocks (filled with silence)
(() => {
  if (window.__osharaRecorder) return;
  const rec = { rate: null, tracks: [], errors: [] };
  window.__osharaRecorder = rec;

  const WORKLET = `
    class Keep extends AudioWorkletProcessor {
      constructor() {
        super();
        this.buf = new Float32Array(sampleRate / 4);
        this.n = 0;
        this.first = -1;
      }
      process(inputs) {
        const ch = inputs[0] && inputs[0][0];
        if (!ch) return true;
        if (this.first < 0) this.first = currentFrame;
        if (this.n + ch.length > this.buf.length) this.flush();
        this.buf.set(ch, this.n);
        this.n += ch.length;
        return true;
      }
      flush() {
        const out = this.buf.slice(0, this.n);
        this.port.postMessage({ frame: this.first, samples: out }, [out.buffer]);
        this.first = currentFrame;
        this.n = 0;
      }
    }
    registerProcessor("oshara-keep", Keep);
  `;
  let ctx = null;
  let ready = null;

  function context() {
    if (!ctx) {
      ctx = new AudioContext();
      rec.rate = ctx.sampleRate;
      const url = URL.createObjectURL(new Blob([WORKLET], { type: "text/javascript" }));
      ready = ctx.audioWorklet.addModule(url);
    }
    if (ctx.state === "suspended") ctx.resume().catch(() => {});
    return ctx;
  }

  function record(track) {
    if (!track || track.kind !== "audio") return;
    if (rec.tracks.some((t) => t.id === track.id)) return;
    const entry = { id: track.id, blocks: [], origin: null };
    rec.tracks.push(entry);
    const ac = context();
    ready
      .then(() => {
        const source = ac.createMediaStreamSource(new MediaStream([track]));
        const node = new AudioWorkletNode(ac, "oshara-keep");
        const mute = ac.createGain();
        mute.gain.value = 0; // keep the graph pulling without playing the audio twice
        source.connect(node);
        node.connect(mute);
        mute.connect(ac.destination);
        node.port.onmessage = (ev) => {
          if (entry.origin === null) {
            // Context time → page time, to place the samples on the probe's time axis.
            const ts = ac.getOutputTimestamp();
            entry.origin = ts.performanceTime - 1000 * ts.contextTime;
          }
          entry.blocks.push(ev.data);
        };
        entry.node = node; // keep it alive
      })
      .catch((err) => rec.errors.push(String(err)));
  }

  rec.export = (index = 0) => {
    const entry = rec.tracks[index];
    if (!entry || !entry.blocks.length) return null;
    const first = entry.blocks[0].frame;
    const last = entry.blocks[entry.blocks.length - 1];
    const frames = last.frame + last.samples.length - first;
    const out = new Int16Array(frames);
    let covered = 0;
    for (const b of entry.blocks) {
      const at = b.frame - first;
      for (let i = 0; i < b.samples.length && at + i < frames; i++) {
        const v = Math.max(-1, Math.min(1, b.samples[i]));
        out[at + i] = v < 0 ? v * 0x8000 : v * 0x7fff;
      }
      covered += b.samples.length;
    }
    const bytes = new Uint8Array(out.buffer);
    let bin = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return {
      rate: rec.rate,
      start: entry.origin + (1000 * first) / rec.rate,
      frames,
      gaps: frames - covered,
      pcm: btoa(bin),
    };
  };

  const Base = window.RTCPeerConnection;
  if (!Base) return;
  class RecordedPeerConnection extends Base {
    constructor(...args) {
      super(...args);
      this.addEventListener("track", (ev) => record(ev.track));
    }
  }
  window.RTCPeerConnection = RecordedPeerConnection;
})();
