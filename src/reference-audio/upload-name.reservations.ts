import { Injectable } from '@nestjs/common';

/** Gives a reserved name back; calling it more than once has no further effect. */
export type ReleaseName = () => void;

/**
 * The names of the uploads this process is working on, reserved before the upload is decoded,
 * so a second upload with the same name gets 409 before any expensive work. The reservations
 * live in this process's memory: they end with the upload, and with the process if it dies
 * (nothing is left to expire). Across replicas the database's unique index on the name decides,
 * at the insert.
 */
@Injectable()
export class UploadNameReservations {
  private readonly names = new Set<string>();

  /** Reserves `name`; undefined when another upload of this process holds it. */
  reserve(name: string): ReleaseName | undefined {
    if (this.names.has(name)) {
      return undefined;
    }
    this.names.add(name);
    let released = false;
    return () => {
      if (!released) {
        released = true;
        this.names.delete(name);
      }
    };
  }
}
