import { describe, expect, it } from 'vitest';
import { parseQrSvg } from './qr_svg';

// What the controller sends (src/controller/auth/qr_code.cc ToSvg), shortened.
const QR =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 29 29" width="116" height="116" shape-rendering="crispEdges">' +
  '<rect width="29" height="29" fill="#fff"/><path fill="#000" d="M4 4h1v1h-1zM5 4h1v1h-1z"/></svg>';

describe('parseQrSvg', () => {
  it("takes the square's side and the path of the controller's SVG", () => {
    expect(parseQrSvg(QR)).toEqual({ side: 29, path: 'M4 4h1v1h-1zM5 4h1v1h-1z' });
  });

  it('refuses anything else: markup, scripts, other shapes, another namespace', () => {
    expect(parseQrSvg('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 29 29"><script>alert(1)</script></svg>')).toBeNull();
    expect(parseQrSvg(QR.replace('M4 4h1', 'url(javascript:alert(1))'))).toBeNull();
    expect(parseQrSvg(QR.replace('0 0 29 29', '0 0 29 30'))).toBeNull();
    expect(parseQrSvg(QR.replace('</svg>', '<path d="M1 1h1"/></svg>'))).toBeNull();
    expect(parseQrSvg(QR.replace('http://www.w3.org/2000/svg', 'http://example.com/ns'))).toBeNull();
    expect(parseQrSvg('<img src=x onerror="window.__xss=1">')).toBeNull();
    expect(parseQrSvg('')).toBeNull();
  });
});
