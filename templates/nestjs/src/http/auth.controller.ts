// HTTP ↔ authentication use cases.
import { Body, Controller, Get, HttpCode, Inject, Post, Req, UseGuards } from "@nestjs/common";
import type { Request } from "express";
import { credentialsSchema, refreshSchema, resetConfirmSchema, resetRequestSchema, userJson } from "../domain/user.js";
import type { AuthService } from "../services/auth-service.js";
import { parse } from "../validation.js";
import { AuthGuard, actorOf } from "./auth.guard.js";
import { AUTH_SERVICE } from "./tokens.js";

@Controller("auth")
export class AuthController {
  constructor(@Inject(AUTH_SERVICE) private readonly auth: AuthService) {}

  @Post("register")
  async register(@Body() body: unknown) {
    return userJson(await this.auth.register(parse(credentialsSchema, body)));
  }

  @Post("login")
  @HttpCode(200)
  login(@Body() body: unknown) {
    return this.auth.login(parse(credentialsSchema, body));
  }

  @Post("refresh")
  @HttpCode(200)
  refresh(@Body() body: unknown) {
    return this.auth.refresh(parse(refreshSchema, body).refreshToken);
  }

  @Post("logout")
  @HttpCode(204)
  async logout(@Body() body: unknown) {
    await this.auth.logout(parse(refreshSchema, body).refreshToken);
  }

  @Get("me")
  @UseGuards(AuthGuard)
  async me(@Req() req: Request) {
    return userJson(await this.auth.me(actorOf(req)));
  }

  @Post("password-reset/request")
  @HttpCode(202)
  async requestReset(@Body() body: unknown) {
    await this.auth.requestPasswordReset(parse(resetRequestSchema, body).email);
    return { status: "if the address is registered, a reset token was sent" };
  }

  @Post("password-reset/confirm")
  @HttpCode(204)
  async confirmReset(@Body() body: unknown) {
    const { token, password } = parse(resetConfirmSchema, body);
    await this.auth.confirmPasswordReset(token, password);
  }
}
