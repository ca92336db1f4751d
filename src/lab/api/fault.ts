/** An error a lab API reports with its real code and HTTP status (RDS, SNS, and any later service's API). */
export class LabFault extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}
