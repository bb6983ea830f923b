from . import assessment_invite_wizard
