"""What an interaction says, in a sentence a person would say: "Read “Pricing”
(/pricing) on acme.com", "Left a cart: 2 x Widget Pro — €1,249.00".

crm owns these words; the lead page's timeline, the rep's card and the touch
reasons (followups) all use them, so one thing is never told two ways. The
pieces (a page, a cart, an email's subject) are functions of their own, for
followups' talking points to build their sentences from.

Some words live beside the interaction, not in it: a cart's items are its
cart_add interactions, and the site of a web event is its visitor's. describe_all
looks them up for a whole list at once (two queries at most, whatever its length);
describe alone never queries, and leaves those words out.

The modules: facts (what an interaction's data holds, and the lookups for a
list), pieces (the words shared with talking points), tellers (one a kind),
describing (describe, describe_all).
"""
