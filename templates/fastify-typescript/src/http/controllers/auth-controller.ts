// HTTP ↔ authentication use cases.
import type { FastifyReply, FastifyRequest } from "fastify";
import { credentialsSchema, refreshSchema, resetConfirmSchema, resetRequestSchema, userJson } from "../../domain/user.js";
import type { AuthService } from "../../services/auth-service.js";
import { parse } from "../../validation.js";
import { actorOf } from "../authenticate.js";

export class AuthController {
  constructor(private readonly auth: AuthService) {}

  register = async (request: FastifyRequest, reply: FastifyReply) =>
    reply.status(201).send(userJson(await this.auth.register(parse(credentialsSchema, request.body))));

  login = async (request: FastifyRequest) => this.auth.login(parse(credentialsSchema, request.body));

  refresh = async (request: FastifyRequest) => this.auth.refresh(parse(refreshSchema, request.body).refreshToken);

  logout = async (request: FastifyRequest, reply: FastifyReply) => {
    await this.auth.logout(parse(refreshSchema, request.body).refreshToken);
    return reply.status(204).send();
  };

  me = async (request: FastifyRequest) => userJson(await this.auth.me(actorOf(request)));

  requestReset = async (request: FastifyRequest, reply: FastifyReply) => {
    await this.auth.requestPasswordReset(parse(resetRequestSchema, request.body).email);
    return reply.status(202).send({ status: "if the address is registered, a reset token was sent" });
  };

  confirmReset = async (request: FastifyRequest, reply: FastifyReply) => {
    const { token, password } = parse(resetConfirmSchema, request.body);
    await this.auth.confirmPasswordReset(token, password);
    return reply.status(204).send();
  };
}
