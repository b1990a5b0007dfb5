// The thermostat's logic alone (as-pect): npm run test:unit.
import { heaterOn, tenthsFromAdc, validSetpoint, HYSTERESIS } from "../assembly/thermostat";

describe("heaterOn", () => {
  it("switches on below the band and off above it", () => {
    expect(heaterOn(200 - HYSTERESIS - 1, 200, false)).toBe(true);
    expect(heaterOn(200 + HYSTERESIS + 1, 200, true)).toBe(false);
  });
  it("keeps its state inside the band", () => {
    for (let t = 200 - HYSTERESIS; t <= 200 + HYSTERESIS; t++) {
      expect(heaterOn(t, 200, true)).toBe(true);
      expect(heaterOn(t, 200, false)).toBe(false);
    }
  });
});

describe("tenthsFromAdc", () => {
  it("maps the 10-bit range onto 0.0 .. 110.0 °C", () => {
    expect(tenthsFromAdc(0)).toBe(0);
    expect(tenthsFromAdc(186)).toBe(200);
    expect(tenthsFromAdc(1023)).toBe(1100);
  });
});

describe("validSetpoint", () => {
  it("takes 5.0 to 35.0 °C only", () => {
    expect(validSetpoint(50)).toBe(true);
    expect(validSetpoint(350)).toBe(true);
    expect(validSetpoint(49)).toBe(false);
    expect(validSetpoint(351)).toBe(false);
  });
});
