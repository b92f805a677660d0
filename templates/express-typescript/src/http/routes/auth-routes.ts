// /auth routes.
import { Router } from "express";
import type { RequestHandler } from "express";
import type { AuthController } from "../controllers/auth-controller.js";

export function authRoutes(controller: AuthController, requireUser: RequestHandler): Router {
  const router = Router();
  router.post("/register", controller.register);
  router.post("/login", controller.login);
  router.post("/refresh", controller.refresh);
  router.post("/logout", controller.logout);
  router.get("/me", requireUser, controller.me);
  router.post("/password-reset/request", controller.requestReset);
  router.post("/password-reset/confirm", controller.confirmReset);
  return router;
}
