"""The lead lists that event, ad and CRM platforms export, known by their headings.

Each layout is data: the headings that identify the export (all must be in the
header) and what the vendor's own columns hold, in words a manager reads beside
each column. A column a layout doesn't list (a custom question, a field added
later) is guessed like any other. tests/fixtures/imports/vendors/README.md says
where each layout comes from.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class VendorLayout:
    """A known export: `columns` maps a heading as the vendor writes it to (the lead
    field it holds, or "" for none; what the column is)."""

    name: str
    signature: tuple[str, ...]
    columns: dict[str, tuple[str, str]]


VENDOR_LAYOUTS = (
    VendorLayout(
        name="Eventbrite attendee report",
        signature=("Order #", "Attendee #", "Ticket Type", "Attendee Status"),
        columns={
            "Prefix": ("name_prefix", "the attendee's prefix"),
            "First Name": ("first_name", "the attendee's first name"),
            "Last Name": ("last_name", "the attendee's last name"),
            "Suffix": ("name_suffix", "the attendee's suffix"),
            "Email": ("email", "the attendee's email"),
            "Home Address 1": ("address_line1", "the attendee's home address"),
            "Home Address 2": ("address_line2", "the attendee's home address, second line"),
            "Home City": ("city", "the attendee's home city"),
            "Home State": ("region", "the attendee's home state"),
            "Home Zip": ("postal_code", "the attendee's home postal code"),
            "Home Country": ("country", "the attendee's home country"),
            "Home Phone": ("phone", "the attendee's home phone"),
            "Cell Phone": ("phone", "the attendee's cell phone"),
            "Work Phone": ("phone", "the attendee's work phone"),
            "Job Title": ("title", "the attendee's job title"),
            "Company": ("company", "the attendee's company"),
        },
    ),
    VendorLayout(
        name="Cvent LeadCapture export",
        signature=("Confirmation Number", "Email Address", "Captured By", "Scan Date/Time"),
        columns={
            "Email Address": ("email", "the attendee's email"),
            "Work Phone": ("phone", "the attendee's work phone"),
            "Mobile Phone": ("phone", "the attendee's mobile phone"),
            "Work Address 1": ("address_line1", "the attendee's work address"),
            "Work Address 2": ("address_line2", "the attendee's work address, second line"),
            "Work City": ("city", "the attendee's work city"),
            "Work State/Prov.": ("region", "the attendee's work state or province"),
            "Work Zip/Postal Code": ("postal_code", "the attendee's work postal code"),
            "Work Country": ("country", "the attendee's work country"),
            "Scan Date/Time": ("scanned_at", "when the badge was scanned"),
            "Captured By": ("", "the staff member who scanned"),
            "Rating": ("rating", "the scanner's rating"),
            "Notes": ("notes", "the scanner's notes"),
        },
    ),
    VendorLayout(
        name="Zoom lead retrieval export",
        signature=("Scanned By", "Scanner Email", "Scan Time", "Lead Score"),
        columns={
            "Email Address": ("email", "the attendee's email"),
            "Organization": ("company", "the attendee's organization"),
            "Phone Number": ("phone", "the attendee's phone"),
            "Scanned By": ("", "the staff member who scanned"),
            "Scanner Email": ("", "the scanning staff member's email, not the attendee's"),
            "Scan Time": ("scanned_at", "when the badge was scanned"),
            "Lead Score": ("rating", "the scanner's score"),
            "Notes": ("notes", "the scanner's notes"),
        },
    ),
    VendorLayout(
        name="Bizzabo lead retrieval export",
        signature=("Scanned At", "Scanned By", "Lead Rating", "Lead Notes"),
        columns={
            "Email": ("email", "the attendee's email"),
            "Phone": ("phone", "the attendee's phone"),
            "Ticket": ("", "the attendee's ticket"),
            "Scanned At": ("scanned_at", "when the badge was scanned"),
            "Scanned By": ("", "the staff member who scanned"),
            "Lead Rating": ("rating", "the scanner's rating"),
            "Lead Notes": ("notes", "the scanner's notes"),
        },
    ),
    VendorLayout(
        name="LinkedIn Lead Gen Form export",
        signature=("LinkedIn Profile URL", "Form Name", "Campaign ID", "Lead Type"),
        columns={
            "Email Address": ("email", "the member's email"),
            "Work Email": ("email", "the member's work email"),
            "Phone Number": ("phone", "the member's phone"),
            "Work Phone Number": ("phone", "the member's work phone"),
            "Company Name": ("company", "the member's company"),
            "Lead Type": ("", "where the lead came from (an ad, an event page)"),
        },
    ),
    VendorLayout(
        name="Meta lead ads export",
        signature=("ad_id", "adset_id", "campaign_id", "form_id", "is_organic", "platform"),
        columns={
            "created_time": ("", "when the form was sent"),
            "full_name": ("full_name", "the person's full name"),
            "email": ("email", "the person's email"),
            "work_email": ("email", "the person's work email"),
            "phone_number": ("phone", "the person's phone"),
            "work_phone_number": ("phone", "the person's work phone"),
            "platform": ("", "fb (Facebook) or ig (Instagram)"),
        },
    ),
    VendorLayout(
        name="HubSpot contact export",
        signature=("Record ID", "Contact owner", "Lifecycle Stage"),
        columns={
            "Additional email addresses": ("email", "the contact's other addresses"),
            "Phone Number": ("phone", "the contact's phone"),
            "Mobile Phone Number": ("phone", "the contact's mobile phone"),
            "Company Name": ("company", "the contact's company"),
            "Contact owner": ("", "the HubSpot user who owns the contact"),
            "Associated Company": ("", "the company record it is linked to"),
        },
    ),
    VendorLayout(
        name="Salesforce contact report",
        signature=("Contact Owner", "Account Name", "Mailing City"),
        columns={
            "Salutation": ("name_prefix", "the contact's salutation"),
            "Account Name": ("company", "the contact's account"),
            "Mailing Street": ("address_line1", "the contact's mailing street"),
            "Mailing City": ("city", "the contact's mailing city"),
            "Mailing State/Province": ("region", "the contact's mailing state"),
            "Mailing Zip/Postal Code": ("postal_code", "the contact's mailing postal code"),
            "Mailing Country": ("country", "the contact's mailing country"),
            "Phone": ("phone", "the contact's phone"),
            "Mobile": ("phone", "the contact's mobile"),
            "Contact Owner": ("", "the Salesforce user who owns the contact"),
        },
    ),
    VendorLayout(
        name="Salesforce Data Loader lead export",
        signature=("ID", "LASTNAME", "LEADSOURCE", "OWNERID"),
        columns={
            "SALUTATION": ("name_prefix", "the lead's salutation"),
            "FIRSTNAME": ("first_name", "the lead's first name"),
            "LASTNAME": ("last_name", "the lead's last name"),
            "TITLE": ("title", "the lead's title"),
            "COMPANY": ("company", "the lead's company"),
            "EMAIL": ("email", "the lead's email"),
            "PHONE": ("phone", "the lead's phone"),
            "MOBILEPHONE": ("phone", "the lead's mobile phone"),
            "STREET": ("address_line1", "the lead's street"),
            "CITY": ("city", "the lead's city"),
            "STATE": ("region", "the lead's state"),
            "POSTALCODE": ("postal_code", "the lead's postal code"),
            "COUNTRY": ("country", "the lead's country"),
            "RATING": ("rating", "the lead's rating (Hot, Warm, Cold)"),
            "DESCRIPTION": ("notes", "the lead's description"),
            "OWNERID": ("", "the Salesforce user who owns the lead"),
        },
    ),
)
