from . import api, portal, recording
