/**
 * One QR reader for the ID-card scan: the browser's own BarcodeDetector where it reads `qr_code` (Chrome on
 * Android), else the vendored zxing-wasm reader (Chromium on Linux, Firefox, Safari). The wasm is loaded on the
 * first scan, from this app's own files (precached by the service worker, so it works offline) — never from the
 * library's default CDN location. Reads pixels only; knows nothing about what the text means.
 */
const WASM_URL = new URL('../vendor/zxing-wasm/zxing_reader.wasm', import.meta.url).href;
const OPTIONS = {formats: ['QRCode'], tryHarder: true, tryRotate: true, tryInvert: false, tryDownscale: true,
  maxNumberOfSymbols: 1};

let zxing = null;

/** The wasm reader, its module compiled once (first use). */
async function wasmReader() {
  if (!zxing) {
    zxing = import('../vendor/zxing-wasm/reader/index.js').then(async (lib) => {
      // The overrides replace the library's default locateFile (a CDN) with the vendored file.
      await lib.prepareZXingModule({overrides: {locateFile: (path, prefix) => (path.endsWith('.wasm') ? WASM_URL
        : prefix + path)}, fireImmediately: true});
      return lib;
    }).catch((error) => { zxing = null; throw error; });
  }
  const lib = await zxing;
  return {kind: 'wasm',
    /** @param {ImageData} image */
    async read(image) {
      const results = await lib.readBarcodes(image, OPTIONS);
      return results.find((r) => r.isValid)?.text ?? null;
    }};
}

async function nativeReader() {
  if (!('BarcodeDetector' in self)) return null;
  try {
    if (!(await self.BarcodeDetector.getSupportedFormats()).includes('qr_code')) return null;
    const detector = new self.BarcodeDetector({formats: ['qr_code']});
    return {kind: 'native',
      /** @param {ImageData} image */
      async read(image) {
        const found = await detector.detect(image);
        return found[0]?.rawValue ?? null;
      }};
  } catch {
    return null; // listed but unusable (no platform detector): the wasm reader works everywhere
  }
}

/**
 * The reader to use on this device.
 * @param {{preferWasm?: boolean}} [options] preferWasm: skip the native detector (benchmarks, tests)
 * @returns {Promise<{kind: 'native'|'wasm', read: (image: ImageData) => Promise<string|null>}>}
 */
export async function qrReader({preferWasm = false} = {}) {
  return (!preferWasm && await nativeReader()) || wasmReader();
}
