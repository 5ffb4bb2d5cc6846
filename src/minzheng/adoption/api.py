from ninja import Router

router = Router(tags=["adoption registration"])
