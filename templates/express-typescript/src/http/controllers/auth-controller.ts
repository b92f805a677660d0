// HTTP ↔ authentication use cases.
import type { Request, Response } from "express";
import { credentialsSchema, refreshSchema, resetConfirmSchema, resetRequestSchema, userJson } from "../../domain/user.js";
import type { AuthService } from "../../services/auth-service.js";
import { parse } from "../../validation.js";
import { actorOf } from "../middleware/authenticate.js";

export class AuthController {
  constructor(private readonly auth: AuthService) {}

  register = async (req: Request, res: Response) => {
    res.status(201).json(userJson(await this.auth.register(parse(credentialsSchema, req.body))));
  };

  login = async (req: Request, res: Response) => {
    res.json(await this.auth.login(parse(credentialsSchema, req.body)));
  };

  refresh = async (req: Request, res: Response) => {
    res.json(await this.auth.refresh(parse(refreshSchema, req.body).refreshToken));
  };

  logout = async (req: Request, res: Response) => {
    await this.auth.logout(parse(refreshSchema, req.body).refreshToken);
    res.status(204).end();
  };

  me = async (_req: Request, res: Response) => {
    res.json(userJson(await this.auth.me(actorOf(res))));
  };

  requestReset = async (req: Request, res: Response) => {
    await this.auth.requestPasswordReset(parse(resetRequestSchema, req.body).email);
    res.status(202).json({ status: "if the address is registered, a reset token was sent" });
  };

  confirmReset = async (req: Request, res: Response) => {
    const { token, password } = parse(resetConfirmSchema, req.body);
    await this.auth.confirmPasswordReset(token, password);
    res.status(204).end();
  };
}
