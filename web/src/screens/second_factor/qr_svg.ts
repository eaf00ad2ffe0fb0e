// The QR code of an enrolment, taken out of the API's SVG (POST /second-factor's qr_svg) as data
// only: the side of its square (the viewBox) and its one path of dark modules. The panel draws
// its own <svg> from these two values (QrImage), so no markup of the answer reaches the page,
// and the CSP (img-src 'self') needs no data: URLs. The SVG is read with the browser's XML
// parser; anything else than the expected shape (a viewBox "0 0 N N", one path made of
// M/h/v/z commands and numbers) gives null, and the screen shows the secret to type instead.
export interface QrShape {
  side: number;
  path: string;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
const VIEW_BOX = /^0 0 (\d{1,4}) (\d{1,4})$/;
const PATH_DATA = /^[MmHhVvZz0-9 .-]*$/;

export function parseQrSvg(svg: string): QrShape | null {
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  const root = doc.documentElement;
  if (root.namespaceURI !== SVG_NS || root.localName !== 'svg') return null;
  const box = VIEW_BOX.exec(root.getAttribute('viewBox') ?? '');
  if (!box || box[1] !== box[2]) return null;
  const paths = root.getElementsByTagNameNS(SVG_NS, 'path');
  if (paths.length !== 1) return null;
  const path = paths[0]!.getAttribute('d') ?? '';
  if (path === '' || !PATH_DATA.test(path)) return null;
  return { side: Number(box[1]), path };
}
