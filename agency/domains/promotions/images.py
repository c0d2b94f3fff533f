"""A campaign's picture: shown at the top of its email (an HTML part beside the plain
text) and as the featured image of its website post. A PNG, JPEG, GIF or WebP picture
told from its bytes, at most CAMPAIGN_IMAGE_MAX_BYTES, changed only while a draft."""

from flask import current_app
from flask_babel import gettext as _

from agency.domains.promotions.campaigns import EDITABLE
from agency.domains.promotions.models import Campaign
from agency.kernel.database import db
from agency.kernel.errors import Conflict, NotFound, ValidationError
from agency.kernel.uploads import IMAGES, checked_file


def _editable(campaign: Campaign) -> None:
    if campaign.status not in EDITABLE:
        raise Conflict(_("Only a draft can be changed."))


def checked_picture(filename: str, data: bytes) -> tuple[str, str]:
    """The clean name and the type of a picture a campaign may carry."""
    limit = current_app.config["CAMPAIGN_IMAGE_MAX_BYTES"]
    name, kind = checked_file(filename, data, limit, "image", IMAGES)
    if kind == "image/heic":
        raise ValidationError.on(
            "image", _("Most email programs cannot show HEIC pictures: choose a PNG or JPEG.")
        )
    return name, kind


def attach(campaign: Campaign, filename: str, data: bytes) -> Campaign:
    _editable(campaign)
    name, kind = checked_picture(filename, data)
    campaign.image_name, campaign.image_type, campaign.image = name, kind, data
    db.session.commit()
    return campaign


def detach(campaign: Campaign) -> Campaign:
    _editable(campaign)
    campaign.image_name = campaign.image_type = campaign.image = None
    db.session.commit()
    return campaign


def picture_of(campaign: Campaign) -> tuple[bytes, str, str]:
    """(bytes, type, name) of the campaign's picture; 404 when it has none."""
    if not campaign.image_name:
        raise NotFound()
    return campaign.image, campaign.image_type, campaign.image_name
