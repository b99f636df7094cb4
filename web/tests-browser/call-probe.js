// Call probe for the end-to-end browser tests (tests/e2e/): injected into every page before its
// own scripts (playwright `addInitScript`), it watches the page's WebRTC call from outside the
// widget, so the tests measure what a visitor would hear rather than what the widget reports.
//
// window.__osharaProbe holds (times are performance.now() milliseconds):
//   pcs      — each RTCPeerConnection: {created, connected, states: [[t, state]]}
//   rtvi     — every JSON message received on a data channel: {t, type, data}
//   sent     — every JSON message the page sent on a data channel: {t, type, data}
//   peers    — the RTCPeerConnection objects themselves (for fault injection; not JSON)
//   remote   — each remote audio track: {id, started, segments: [{start, end, peak}], ...}
//   local    — each local audio track sent to a peer (the fake microphone), same shape
//   marks    — named times set by the test: __osharaProbe.mark("clicked")
//
// Audio levels come from Web Audio: an AnalyserNode on a MediaStreamSource, sampled every
// 10 ms. In Chromium a remote WebRTC track only reaches Web Audio while a media element plays
// it (DESIGN §9), so remote sound here also proves the page plays the agent's audio.
(() => {
  if (window.__osharaProbe) return;
  const SOUND_RMS = 0.01; // about -40 dBFS
  const HANGOVER_MS = 250; // silence this long ends a segment
  const probe = { pcs: [], rtvi: [], sent: [], peers: [], remote: [], local: [], marks: {}, errors: [] };
  probe.mark = (name) => (probe.marks[name] = performance.now());
  window.__osharaProbe = probe;

  let ctx = null;
  function audioContext() {
    if (!ctx) ctx = new AudioContext();
    if (ctx.state === "suspended") ctx.resume().catch(() => {});
    return ctx;
  }

  const watched = new Set();
  function watch(track, list) {
    if (!track || track.kind !== "audio" || watched.has(track.id)) return;
    watched.add(track.id);
    const rec = { id: track.id, started: performance.now(), segments: [], peak: 0, samples: 0, ended: null };
    list.push(rec);
    let analyser;
    try {
      const ac = audioContext();
      const source = ac.createMediaStreamSource(new MediaStream([track]));
      analyser = ac.createAnalyser();
      analyser.fftSize = 512;
      source.connect(analyser);
    } catch (err) {
      probe.errors.push(String(err));
      return;
    }
    const buf = new Float32Array(analyser.fftSize);
    let current = null;
    let lastSound = 0;
    const timer = setInterval(() => {
      const t = performance.now();
      if (track.readyState === "ended") {
        rec.ended = t;
        clearInterval(timer);
        return;
      }
      analyser.getFloatTimeDomainData(buf);
      let sum = 0;
      for (let i = 0; i < buf.length; i++) sum += buf[i] * buf[i];
      const rms = Math.sqrt(sum / buf.length);
      rec.samples += 1;
      if (rms > rec.peak) rec.peak = rms;
      if (rms >= SOUND_RMS) {
        lastSound = t;
        if (!current) {
          // The window covers the last fftSize samples: sound began up to one window earlier.
          current = { start: t - (1000 * buf.length) / analyser.context.sampleRate, end: t, peak: rms };
          rec.segments.push(current);
        }
        current.end = t;
        if (rms > current.peak) current.peak = rms;
      } else if (current && t - lastSound > HANGOVER_MS) {
        current = null;
      }
    }, 10);
  }

  function parse(data) {
    if (typeof data !== "string") return null;
    try {
      const msg = JSON.parse(data);
      return msg && typeof msg === "object" ? msg : null;
    } catch {
      return null;
    }
  }

  function listen(channel) {
    const send = channel.send;
    channel.send = function (data) {
      const msg = parse(data);
      if (msg) probe.sent.push({ t: performance.now(), type: msg.type, data: msg.data ?? null, label: msg.label ?? null });
      return send.call(this, data);
    };
    channel.addEventListener("message", (ev) => {
      const msg = parse(ev.data);
      if (msg) probe.rtvi.push({ t: performance.now(), type: msg.type, data: msg.data ?? null, label: msg.label ?? null });
    });
  }

  const Native = window.RTCPeerConnection;
  if (!Native) return;
  class ProbedPeerConnection extends Native {
    constructor(...args) {
      super(...args);
      const rec = { created: performance.now(), connected: null, states: [] };
      probe.pcs.push(rec);
      probe.peers.push(this);
      this.addEventListener("connectionstatechange", () => {
        rec.states.push([performance.now(), this.connectionState]);
        if (this.connectionState === "connected" && rec.connected === null) rec.connected = performance.now();
      });
      this.addEventListener("track", (ev) => watch(ev.track, probe.remote));
      this.addEventListener("datachannel", (ev) => listen(ev.channel));
    }
    createDataChannel(...args) {
      const channel = super.createDataChannel(...args);
      listen(channel);
      return channel;
    }
    addTrack(track, ...streams) {
      watch(track, probe.local);
      return super.addTrack(track, ...streams);
    }
  }
  window.RTCPeerConnection = ProbedPeerConnection;
  const replaceTrack = RTCRtpSender.prototype.replaceTrack;
  RTCRtpSender.prototype.replaceTrack = function (track) {
    if (track) watch(track, probe.local);
    return replaceTrack.call(this, track);
  };
})();
