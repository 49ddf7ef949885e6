"""Reading a review: everything the CIO and the User wrote about one assessment, for the pages and
for the exchange exports, in a fixed number of queries."""

from __future__ import annotations

from django.db.models import Prefetch

from secassure.assessments.models import Assessment
from secassure.review.models import Comment, QueryMessage, ReviewQuery


def threads(assessment: Assessment):
    messages = QueryMessage.objects.select_related("author", "document", "version").order_by("created_at", "pk")
    return (ReviewQuery.objects.filter(assessment=assessment)
            .select_related("row__obligation", "answer__question", "raised_by", "closed_by")
            .prefetch_related(Prefetch("messages", queryset=messages)).order_by("raised_at", "pk"))


def comments(assessment: Assessment):
    return (Comment.objects.filter(assessment=assessment)
            .select_related("author", "row__obligation", "answer__question").order_by("created_at", "pk"))


def item_ref(obj) -> str | None:
    """The reference of the row's obligation or the answer's question a query or comment is on."""
    if obj.row_id:
        return obj.row.obligation.ref
    if obj.answer_id:
        return obj.answer.question.ref
    return None


def bundle(assessment: Assessment) -> dict:
    """Queries with their threads, the CIO's comments, the SSC's outcome, findings and the
    remediation plan of one assessment, as plain data (for the workbook and the submission pack)."""
    from secassure.review.attention import findings_and_actions
    from secassure.review.models import Outcome

    outcome = Outcome.objects.filter(assessment=assessment).select_related("follow_up", "letter").first()
    return {
        "queries": [{
            "id": q.pk, "item": item_ref(q), "status": q.status, "raised_by": q.raised_by.email,
            "raised_at": q.raised_at.isoformat(), "closed_at": q.closed_at.isoformat() if q.closed_at else None,
            "messages": [{"side": m.side, "author": m.author.email, "at": m.created_at.isoformat(), "text": m.text,
                          "evidence": (f"{m.document.title} v{m.version.number}" if m.document_id else None)}
                         for m in q.messages.all()]} for q in threads(assessment)],
        "comments": [{"item": item_ref(c), "author": c.author.email, "text": c.text,
                      "at": c.updated_at.isoformat()} for c in comments(assessment)],
        "outcome": None if outcome is None else {
            "decision": outcome.decision, "clause": outcome.clause or None, "rule": outcome.rule_id,
            "sent_on": outcome.sent_on.isoformat() if outcome.sent_on else None,
            "received_on": outcome.received_on.isoformat(), "reference": outcome.reference or None,
            "text": outcome.text or None, "follow_up": outcome.follow_up_id},
        **findings_and_actions(assessment),
    }
