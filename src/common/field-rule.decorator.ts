import { registerDecorator, type ValidationArguments } from 'class-validator';

/**
 * What is wrong with one field's value, or undefined when nothing is. `field` is the property's
 * name on the wire (so one rule serves fields of different names), `object` the object that
 * holds it (for rules that depend on a sibling field).
 */
export type FieldProblem = (value: unknown, field: string, object: object) => string | undefined;

/**
 * A class-validator constraint made of one `FieldProblem`: the field is valid when the function
 * finds no problem, and the problem is the message. It runs on absent values too, so a rule
 * decides itself whether a field is optional. One rule per field means one message per field.
 */
export function FieldRule(problem: FieldProblem): PropertyDecorator {
  return (target, propertyName) => {
    registerDecorator({
      name: 'fieldRule',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value, args) => problemOf(problem, value, args) === undefined,
        defaultMessage: (args) => problemOf(problem, args?.value, args) ?? 'invalid value',
      },
    });
  };
}

function problemOf(
  problem: FieldProblem,
  value: unknown,
  args: ValidationArguments | undefined,
): string | undefined {
  return args === undefined ? undefined : problem(value, args.property, args.object);
}
