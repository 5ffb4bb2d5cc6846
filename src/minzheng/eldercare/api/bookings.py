"""Home-care bookings from order to confirmation, complaints and the dispatch board."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from minzheng.core.apitypes import Id
from minzheng.core.errors import NotFoundOrOutOfScope, ServiceError
from minzheng.core.pagination import Listing, paginated
from minzheng.payments import months

from .. import bookings, selectors
from ..models import Booking
from .outputs import booking_out
from .schemas import (
    BookingFilter,
    BookingIn,
    BookingItemOut,
    ComplaintIn,
    ConfirmBookingIn,
    DispatchIn,
    EldercareReasonIn,
    PositionIn,
    ResolveIn,
    ReviewIn,
)

router = Router()


@router.post("/bookings", response={201: dict})
def create_booking(request, payload: BookingIn):
    """Book a service for an elderly person (the person, a family member or a community worker)."""
    # By id: the service looks the person up once, through the caller's scope.
    b = bookings.create_booking(
        user=request.user,
        person=payload.person_id,
        item=payload.item_id,
        scheduled_at=payload.scheduled_at,
        quantity=payload.quantity,
        address=payload.address,
        contact_phone=payload.contact_phone,
        note=payload.note,
    )
    return Status(201, booking_out(b))


@router.get("/bookings", response=list[BookingItemOut])
@paginated()
def list_bookings(request, filters: Query[BookingFilter]):
    month = months.parse(filters.month) if filters.month else None
    qs = selectors.search_bookings(
        request.user,
        status=filters.status,
        provider_id=filters.provider_id,
        person_id=filters.person_id,
        month=month,
    )
    return Listing(qs, booking_out)


@router.get("/bookings/{booking_id}")
def get_booking(request, booking_id: Id):
    b = selectors.get_booking(request.user, booking_id)
    return booking_out(b) | {
        "events": [
            {
                "action": e.action,
                "from": e.from_status,
                "to": e.to_status,
                "note": e.note,
                "by": e.by_name,
                "at": e.at,
            }
            for e in b.events.all()
        ],
        "complaints": [
            {"id": c.pk, "text": c.text, "status": c.status, "resolution": c.resolution}
            for c in b.complaints.all()
        ],
        "subsidy_basis": b.subsidy_basis,
    }


def _booking(request, booking_id: Id) -> Booking:
    return selectors.get_booking(request.user, booking_id)


@router.post("/bookings/{booking_id}/accept")
def accept(request, booking_id: Id):
    return booking_out(bookings.accept(user=request.user, booking=_booking(request, booking_id)))


@router.post("/bookings/{booking_id}/decline")
def decline(request, booking_id: Id, payload: EldercareReasonIn):
    return booking_out(
        bookings.decline(
            user=request.user, booking=_booking(request, booking_id), reason=payload.reason
        )
    )


@router.post("/bookings/{booking_id}/dispatch")
def dispatch(request, booking_id: Id, payload: DispatchIn):
    booking = _booking(request, booking_id)
    worker = booking.provider.workers.filter(pk=payload.worker_id).first()
    if worker is None:
        raise ServiceError({"worker_id": [_("请选择本机构在岗的服务人员")]})
    return booking_out(bookings.dispatch(user=request.user, booking=booking, worker=worker))


@router.post("/bookings/{booking_id}/check-in")
def check_in(request, booking_id: Id, payload: PositionIn | None = None):
    """Accepted only within the configured window around the booked time (422 otherwise)."""
    payload = payload or PositionIn()
    return booking_out(
        bookings.check_in(
            user=request.user,
            booking=_booking(request, booking_id),
            latitude=payload.latitude,
            longitude=payload.longitude,
        )
    )


@router.post("/bookings/{booking_id}/check-out")
def check_out(request, booking_id: Id, payload: PositionIn | None = None):
    """Bills by the catalogue unit and the time served; a doubtful service comes back with
    `review` = "held" and its `anomalies`, and stays out of settlement until reviewed."""
    payload = payload or PositionIn()
    return booking_out(
        bookings.check_out(
            user=request.user,
            booking=_booking(request, booking_id),
            latitude=payload.latitude,
            longitude=payload.longitude,
        )
    )


@router.post("/bookings/{booking_id}/review")
def review(request, booking_id: Id, payload: ReviewIn):
    return booking_out(
        bookings.review_booking(
            user=request.user,
            booking=_booking(request, booking_id),
            release=payload.release,
            note=payload.note,
        )
    )


@router.post("/bookings/{booking_id}/confirm")
def confirm(request, booking_id: Id, payload: ConfirmBookingIn):
    return booking_out(
        bookings.confirm(
            user=request.user,
            booking=_booking(request, booking_id),
            rating=payload.rating,
            feedback=payload.feedback,
        )
    )


@router.post("/bookings/{booking_id}/cancel")
def cancel(request, booking_id: Id, payload: EldercareReasonIn):
    return booking_out(
        bookings.cancel(
            user=request.user, booking=_booking(request, booking_id), reason=payload.reason
        )
    )


@router.post("/bookings/{booking_id}/no-show")
def no_show(request, booking_id: Id, payload: EldercareReasonIn):
    return booking_out(
        bookings.no_show(
            user=request.user, booking=_booking(request, booking_id), reason=payload.reason
        )
    )


@router.post("/bookings/{booking_id}/complaints", response={201: dict})
def complain(request, booking_id: Id, payload: ComplaintIn):
    c = bookings.file_complaint(
        user=request.user, booking=_booking(request, booking_id), text=payload.text
    )
    return Status(201, {"id": c.pk, "status": c.status})


@router.post("/complaints/{complaint_id}/resolve")
def resolve(request, complaint_id: Id, payload: ResolveIn):
    from ..models import Complaint

    complaint = (
        Complaint.objects.filter(pk=complaint_id, booking__in=selectors.bookings_for(request.user))
        .select_related("booking")
        .first()
    )
    if complaint is None:
        raise NotFoundOrOutOfScope()
    c = bookings.resolve_complaint(
        user=request.user, complaint=complaint, upheld=payload.upheld, resolution=payload.resolution
    )
    return {"id": c.pk, "status": c.status, "resolution": c.resolution}


@router.get("/board")
def board(request):
    """A provider's open orders by status."""
    if selectors.provider_of(request.user) is None:
        raise NotFoundOrOutOfScope()
    return {
        status: [booking_out(b) for b in items]
        for status, items in selectors.board_for(request.user).items()
    }
