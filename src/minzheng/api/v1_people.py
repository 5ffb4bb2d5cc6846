from ninja import Router

people_router = Router()
households_router = Router()
