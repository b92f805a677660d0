// /auth routes, as a Fastify plugin.
import type { FastifyPluginAsync, preHandlerAsyncHookHandler } from "fastify";
import type { AuthController } from "../controllers/auth-controller.js";

export function authRoutes(controller: AuthController, requireUser: preHandlerAsyncHookHandler): FastifyPluginAsync {
  return async (app) => {
    app.post("/register", controller.register);
    app.post("/login", controller.login);
    app.post("/refresh", controller.refresh);
    app.post("/logout", controller.logout);
    app.get("/me", { preHandler: requireUser }, controller.me);
    app.post("/password-reset/request", controller.requestReset);
    app.post("/password-reset/confirm", controller.confirmReset);
  };
}
