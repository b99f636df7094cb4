function validate(fields, values) {
  const errors = {};
  for (const field of fields) {
    if (field.type === "display") continue;
    const val = (values[field.name] ?? "").toString().trim();
    if (field.required && !val) {
      errors[field.name] = `${field.label} is required`;
      continue;
    }
    if (field.type === "email" && val && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(val)) {
      errors[field.name] = "Enter a valid email address";
    }
    if (field.pattern && val && !new RegExp(field.pattern).test(val)) {
      errors[field.name] = `${field.label} format is invalid`;
    }
    if (field.min !== undefined && Number(val) < field.min) {
      errors[field.name] = `Minimum value is ${field.min}`;
    }
    if (field.max !== undefined && Number(val) > field.max) {
      errors[field.name] = `Maximum value is ${field.max}`;
    }
  }
  return errors; // empty = valid
}
