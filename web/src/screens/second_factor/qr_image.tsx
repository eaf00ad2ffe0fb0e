// The enrolment's QR code, drawn from its shape (qr_svg.ts): white square, dark modules, crisp
// edges, scaled by the style sheet. An image with a name for screen readers, which read the
// secret beside it instead.
import { t } from '../../i18n/i18n';
import type { QrShape } from './qr_svg';

export function QrImage({ shape }: { shape: QrShape }) {
  const side = String(shape.side);
  return (
    <svg
      class="qr-code"
      xmlns="http://www.w3.org/2000/svg"
      viewBox={`0 0 ${side} ${side}`}
      shape-rendering="crispEdges"
      role="img"
      aria-label={t('second_factor.qr_label')}
    >
      <rect width={side} height={side} fill="#fff" />
      <path fill="#000" d={shape.path} />
    </svg>
  );
}
