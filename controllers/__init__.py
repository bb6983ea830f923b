from . import api
from . import portal
from . import recording
