#include "controller/orders/order.h"

namespace hostplane::controller {

std::string_view Name(PaymentState s) {
  switch (s) {
    case PaymentState::kNone:
      return "none";
    case PaymentState::kPending:
      return "pending";
    case PaymentState::kAuthorised:
      return "authorised";
    case PaymentState::kCaptured:
      return "captured";
    case PaymentState::kVoided:
      return "voided";
    case PaymentState::kDeclined:
      return "declined";
  }
  return "";
}

std::string_view Name(Verdict v) {
  switch (v) {
    case Verdict::kAccept:
      return "accept";
    case Verdict::kReview:
      return "review";
    case Verdict::kReject:
      return "reject";
  }
  return "";
}

}  // namespace hostplane::controller
