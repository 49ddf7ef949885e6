"""The director's declaration an Approver accepts when signing off and submitting a self-assessment.

The words are secassure's own: SECAS publishes guidance on the Director's Letter (its plain English
guidance notes), but no public source we have prescribes the wording of a sign-off, so this is what
the product asks a director to confirm. A change of wording is a new version; the audit event of
each submission keeps the version and the full text accepted."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Declaration:
    version: str
    text: str

    def text_for(self, organisation: str) -> str:
        return self.text.format(organisation=organisation)


DECLARATION = Declaration(
    version="2026.1",
    text=("I am a director of {organisation}, or act with a director's authority, and I sign off this "
          "assessment for it. I have read it and the summary of what it submits. To the best of my "
          "knowledge and belief, having asked those who prepared and checked it, it is complete and "
          "accurate: it states every known non-compliance with SEC Sections G3 to G6, and every "
          "material increase in security risk since the last User Security Assessment, and the "
          "evidence it cites is what {organisation} holds. I understand that it goes to the User CIO "
          "and the Security Sub-Committee as {organisation}'s account of its security."),
)
