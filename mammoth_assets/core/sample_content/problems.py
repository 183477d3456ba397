"""Exam problems with worked solutions whose answers are computed, so they are actually correct.

Each generator takes a `random.Random` and returns a `Problem`. `solution` is the worked answer as
it appears on the page (lines joined by newlines); `final` is the bare final answer.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable

from mammoth_assets.core.sample_content import vocab


@dataclass(frozen=True)
class Problem:
    subject: str
    question: str
    solution: str
    final: str
    latex: bool = False
    choices: tuple[str, ...] = field(default=())


def _frac(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def _num(value: float, digits: int = 2) -> str:
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return text or "0"


# -- mathematics --------------------------------------------------------------------------------
def linear_equation(rng: random.Random) -> Problem:
    x = rng.randint(-9, 15)
    a = rng.choice([2, 3, 4, 5, 6, 7, 8, 9])
    b = rng.randint(-20, 30)
    c = a * x + b
    sign = "+" if b >= 0 else "-"
    question = f"Solve for x: {a}x {sign} {abs(b)} = {c}."
    move = "Subtract" if b >= 0 else "Add"
    solution = "\n".join(
        [
            f"{move} {abs(b)} on both sides: {a}x = {c} {'-' if b >= 0 else '+'} {abs(b)} = {c - b}.",
            f"Divide both sides by {a}: x = {c - b}/{a} = {x}.",
            f"Check: {a} * {x} {sign} {abs(b)} = {c}. The answer is x = {x}.",
        ]
    )
    return Problem("algebra", question, solution, str(x))


def percentage(rng: random.Random) -> Problem:
    percent = rng.choice([5, 10, 12, 15, 20, 25, 30, 40, 45, 60, 75])
    whole = rng.choice([40, 60, 80, 120, 160, 200, 240, 360, 480, 500, 640, 800])
    item = rng.choice(vocab.COUNTABLE_THINGS)
    part = Fraction(percent * whole, 100)
    question = f"A school library has {whole} {item}. {percent}% of them are on loan. How many {item} are on loan?"
    solution = "\n".join(
        [
            f"{percent}% means {percent}/100.",
            f"{percent}/100 * {whole} = {percent * whole}/100 = {_frac(part)}.",
            f"The answer is {_frac(part)} {item}.",
        ]
    )
    return Problem("arithmetic", question, solution, _frac(part))


def rectangle(rng: random.Random) -> Problem:
    width, length = rng.randint(3, 25), rng.randint(4, 40)
    unit = rng.choice(["cm", "m", "ft"])
    question = (
        f"A rectangular garden is {length} {unit} long and {width} {unit} wide. "
        "Find its area and its perimeter."
    )
    solution = "\n".join(
        [
            f"Area = length * width = {length} * {width} = {length * width} square {unit}.",
            f"Perimeter = 2 * (length + width) = 2 * ({length} + {width}) = {2 * (length + width)} {unit}.",
            f"The answer is an area of {length * width} square {unit} and a perimeter of {2 * (length + width)} {unit}.",
        ]
    )
    return Problem("geometry", question, solution, f"{length * width}; {2 * (length + width)}")


def arithmetic_series(rng: random.Random) -> Problem:
    first, step, count = rng.randint(1, 12), rng.randint(2, 9), rng.randint(8, 40)
    last = first + (count - 1) * step
    total = count * (first + last) // 2
    question = (
        f"Find the sum of the first {count} terms of the arithmetic sequence "
        f"{first}, {first + step}, {first + 2 * step}, ..."
    )
    solution = "\n".join(
        [
            f"The common difference is d = {step} and the first term is a = {first}.",
            f"The {count}th term is a + (n - 1)d = {first} + {count - 1} * {step} = {last}.",
            f"Sum = n(a + l)/2 = {count} * ({first} + {last}) / 2 = {total}.",
            f"The answer is {total}.",
        ]
    )
    return Problem("sequences", question, solution, str(total))


def travel_speed(rng: random.Random) -> Problem:
    name = rng.choice(vocab.FIRST_NAMES)
    speed = rng.choice([30, 40, 45, 48, 50, 60, 64, 72, 75, 80, 90])
    hours = rng.choice([Fraction(3, 2), Fraction(2), Fraction(5, 2), Fraction(3), Fraction(4), Fraction(9, 4)])
    distance = speed * hours
    vehicle = rng.choice(["car", "train", "bus", "motorbike"])
    question = (
        f"{name} drives a {vehicle} at a constant {speed} km/h for {_num(float(hours))} hours. "
        "How far does the " + vehicle + " travel?"
    )
    solution = "\n".join(
        [
            "Distance = speed * time.",
            f"Distance = {speed} km/h * {_num(float(hours))} h = {_num(float(distance))} km.",
            f"The answer is {_num(float(distance))} km.",
        ]
    )
    return Problem("arithmetic", question, solution, _num(float(distance)))


def fraction_sum(rng: random.Random) -> Problem:
    a, b = rng.randint(1, 7), rng.randint(2, 9)
    c, d = rng.randint(1, 7), rng.randint(2, 9)
    total = Fraction(a, b) + Fraction(c, d)
    common = b * d // math.gcd(b, d)
    question = f"Add the fractions {a}/{b} + {c}/{d} and simplify."
    solution = "\n".join(
        [
            f"The least common denominator of {b} and {d} is {common}.",
            f"{a}/{b} = {a * common // b}/{common} and {c}/{d} = {c * common // d}/{common}.",
            f"Sum = {a * common // b + c * common // d}/{common} = {_frac(total)}.",
            f"The answer is {_frac(total)}.",
        ]
    )
    return Problem("fractions", question, solution, _frac(total))


def marbles_probability(rng: random.Random) -> Problem:
    red, blue, green = rng.randint(2, 12), rng.randint(2, 12), rng.randint(0, 8)
    total = red + blue + green
    probability = Fraction(red, total)
    bag = f"{red} red, {blue} blue" + (f" and {green} green marbles" if green else " marbles")
    question = f"A bag holds {bag}. One marble is drawn at random. What is the probability that it is red?"
    solution = "\n".join(
        [
            f"There are {red} + {blue}" + (f" + {green}" if green else "") + f" = {total} marbles in total.",
            f"P(red) = {red}/{total} = {_frac(probability)}.",
            f"The answer is {_frac(probability)}.",
        ]
    )
    return Problem("probability", question, solution, _frac(probability))


def gcd_lcm(rng: random.Random) -> Problem:
    g = rng.choice([2, 3, 4, 5, 6, 7, 8, 9, 12])
    p, q = rng.sample([2, 3, 5, 7, 11, 13], 2)
    a, b = g * p, g * q
    gcd, lcm = math.gcd(a, b), a * b // math.gcd(a, b)
    question = f"Find the greatest common divisor and the least common multiple of {a} and {b}."
    solution = "\n".join(
        [
            f"{a} = {g} * {p} and {b} = {g} * {q}, and {p} and {q} share no factor.",
            f"GCD({a}, {b}) = {gcd}.",
            f"LCM({a}, {b}) = {a} * {b} / {gcd} = {lcm}.",
            f"The answer is GCD = {gcd} and LCM = {lcm}.",
        ]
    )
    return Problem("number theory", question, solution, f"{gcd}; {lcm}")


def quadratic(rng: random.Random) -> Problem:
    r1, r2 = rng.sample(range(-9, 10), 2)
    s, p = r1 + r2, r1 * r2
    b_term = "" if s == 0 else (f" - {s}x" if s > 0 else f" + {-s}x")
    c_term = "" if p == 0 else (f" + {p}" if p > 0 else f" - {-p}")
    equation = f"x^2{b_term}{c_term} = 0"
    f1 = f"(x - {r1})" if r1 >= 0 else f"(x + {-r1})"
    f2 = f"(x - {r2})" if r2 >= 0 else f"(x + {-r2})"
    low, high = sorted((r1, r2))
    question = f"Solve the quadratic equation \\({equation}\\)."
    solution = "\n".join(
        [
            f"We need two numbers whose sum is {s} and whose product is {p}: they are {r1} and {r2}.",
            f"So \\({equation}\\) factors as \\({f1}{f2} = 0\\).",
            f"Hence \\(x = {low}\\) or \\(x = {high}\\). The answer is x = {low} or x = {high}.",
        ]
    )
    return Problem("algebra", question, solution, f"{low}, {high}", latex=True)


def derivative(rng: random.Random) -> Problem:
    a, n = rng.randint(2, 9), rng.randint(2, 5)
    b, c = rng.randint(1, 12), rng.randint(1, 20)
    x0 = rng.randint(1, 4)
    value = a * n * x0 ** (n - 1) + b
    question = f"Differentiate \\(f(x) = {a}x^{{{n}}} + {b}x + {c}\\) and evaluate \\(f'({x0})\\)."
    solution = "\n".join(
        [
            f"By the power rule, \\(f'(x) = {a * n}x^{{{n - 1}}} + {b}\\).",
            f"\\(f'({x0}) = {a * n} \\cdot {x0}^{{{n - 1}}} + {b} = {a * n * x0 ** (n - 1)} + {b} = {value}\\).",
            f"The answer is {value}.",
        ]
    )
    return Problem("calculus", question, solution, str(value), latex=True)


def definite_integral(rng: random.Random) -> Problem:
    a, upper = rng.randint(1, 6), rng.randint(1, 4)
    # integral of a * 3x^2 from 0 to upper = a * upper^3
    coefficient = 3 * a
    value = a * upper**3
    question = f"Evaluate \\(\\int_0^{{{upper}}} {coefficient}x^2 \\, dx\\)."
    solution = "\n".join(
        [
            f"An antiderivative of \\({coefficient}x^2\\) is \\({a}x^3\\).",
            f"\\(\\int_0^{{{upper}}} {coefficient}x^2 \\, dx = {a} \\cdot {upper}^3 - {a} \\cdot 0^3 = {value}\\).",
            f"The answer is {value}.",
        ]
    )
    return Problem("calculus", question, solution, str(value), latex=True)


# -- physics ------------------------------------------------------------------------------------
def constant_acceleration(rng: random.Random) -> Problem:
    u, a, t = rng.randint(0, 20), rng.randint(1, 6), rng.randint(2, 12)
    v = u + a * t
    s = u * t + Fraction(a * t * t, 2)
    question = (
        f"A cart starts at {u} m/s and accelerates uniformly at {a} m/s^2 for {t} s. "
        "Find its final speed and the distance it covers."
    )
    solution = "\n".join(
        [
            f"v = u + at = {u} + {a} * {t} = {v} m/s.",
            f"s = ut + at^2/2 = {u} * {t} + {a} * {t}^2 / 2 = {_num(float(s))} m.",
            f"The answer is v = {v} m/s and s = {_num(float(s))} m.",
        ]
    )
    return Problem("physics", question, solution, f"{v} m/s; {_num(float(s))} m")


def newton_second_law(rng: random.Random) -> Problem:
    mass, accel = rng.choice([2, 5, 8, 10, 12, 20, 25, 40]), rng.choice([0.5, 1.5, 2, 3, 4, 9.8])
    force = mass * accel
    question = f"What net force is needed to accelerate a {mass} kg box at {_num(accel)} m/s^2?"
    solution = "\n".join(
        [
            "Newton's second law: F = ma.",
            f"F = {mass} kg * {_num(accel)} m/s^2 = {_num(force)} N.",
            f"The answer is {_num(force)} N.",
        ]
    )
    return Problem("physics", question, solution, f"{_num(force)} N")


def ohms_law(rng: random.Random) -> Problem:
    current, resistance = rng.choice([0.2, 0.5, 1.5, 2, 3, 4]), rng.choice([4, 6, 10, 12, 22, 47, 100])
    voltage = current * resistance
    question = f"A current of {_num(current)} A flows through a {resistance} ohm resistor. What is the voltage across it?"
    solution = "\n".join(
        [
            "Ohm's law: V = IR.",
            f"V = {_num(current)} A * {resistance} ohm = {_num(voltage)} V.",
            f"The answer is {_num(voltage)} V.",
        ]
    )
    return Problem("physics", question, solution, f"{_num(voltage)} V")


def kinetic_energy(rng: random.Random) -> Problem:
    mass, speed = rng.choice([0.5, 1, 2, 4, 60, 80, 1000]), rng.randint(2, 30)
    energy = 0.5 * mass * speed**2
    question = f"Calculate the kinetic energy of a {_num(mass)} kg object moving at {speed} m/s."
    solution = "\n".join(
        [
            "Kinetic energy is E = mv^2/2.",
            f"E = {_num(mass)} * {speed}^2 / 2 = {_num(mass)} * {speed**2} / 2 = {_num(energy)} J.",
            f"The answer is {_num(energy)} J.",
        ]
    )
    return Problem("physics", question, solution, f"{_num(energy)} J")


# -- chemistry ----------------------------------------------------------------------------------
def moles_from_mass(rng: random.Random) -> Problem:
    formula, name, molar_mass = rng.choice(vocab.COMPOUNDS)
    mass = rng.choice([9, 18, 36, 44, 50, 72, 88, 100, 117, 180, 250])
    moles = mass / molar_mass
    question = f"How many moles are in {mass} g of {name} ({formula})? Use M({formula}) = {molar_mass} g/mol."
    solution = "\n".join(
        [
            "n = m / M.",
            f"n = {mass} g / {molar_mass} g/mol = {moles:.3f} mol.",
            f"The answer is {moles:.3f} mol.",
        ]
    )
    return Problem("chemistry", question, solution, f"{moles:.3f} mol")


def molarity(rng: random.Random) -> Problem:
    moles, litres = rng.choice([0.1, 0.25, 0.5, 0.75, 1.2, 2]), rng.choice([0.25, 0.5, 1, 2, 2.5])
    concentration = moles / litres
    question = f"{_num(moles)} mol of solute is dissolved to make {_num(litres)} L of solution. What is the molarity?"
    solution = "\n".join(
        [
            "Molarity c = n / V.",
            f"c = {_num(moles)} mol / {_num(litres)} L = {_num(concentration, 3)} mol/L.",
            f"The answer is {_num(concentration, 3)} M.",
        ]
    )
    return Problem("chemistry", question, solution, f"{_num(concentration, 3)} M")


def dilution(rng: random.Random) -> Problem:
    c1, v1 = rng.choice([2, 3, 5, 6, 10, 12]), rng.choice([10, 20, 25, 50, 100])
    factor = rng.choice([2, 4, 5, 10])
    v2 = v1 * factor
    c2 = Fraction(c1 * v1, v2)
    question = f"{v1} mL of a {c1} M stock solution is diluted to {v2} mL. What is the new concentration?"
    solution = "\n".join(
        [
            "For a dilution, C1V1 = C2V2, so C2 = C1V1 / V2.",
            f"C2 = {c1} M * {v1} mL / {v2} mL = {_num(float(c2), 3)} M.",
            f"The answer is {_num(float(c2), 3)} M.",
        ]
    )
    return Problem("chemistry", question, solution, f"{_num(float(c2), 3)} M")


# -- multiple choice ----------------------------------------------------------------------------
LETTERS = "ABCD"


def biology_choice(rng: random.Random) -> Problem:
    stem, correct, wrong, reason = rng.choice(vocab.BIOLOGY_FACTS)
    options = [correct, *rng.sample(wrong, 3)]
    rng.shuffle(options)
    letter = LETTERS[options.index(correct)]
    question = stem + "\n" + "\n".join(f"{LETTERS[i]}. {o}" for i, o in enumerate(options))
    solution = f"{reason}\nThe answer is {letter}. {correct}."
    return Problem("biology", question, solution, letter, choices=tuple(options))


def arithmetic_choice(rng: random.Random) -> Problem:
    a, b, c = rng.randint(12, 99), rng.randint(3, 19), rng.randint(2, 40)
    value = a * b - c
    distractors = {value + rng.choice([-10, -1, 1, 10]), a * (b - c) if b != c else value + 2, a * b + c}
    distractors.discard(value)
    while len(distractors) < 3:
        distractors.add(value + rng.randint(2, 30))
    options = [str(value), *map(str, sorted(distractors)[:3])]
    rng.shuffle(options)
    letter = LETTERS[options.index(str(value))]
    question = f"What is {a} * {b} - {c}?\n" + "\n".join(f"{LETTERS[i]}. {o}" for i, o in enumerate(options))
    solution = f"Multiplication comes first: {a} * {b} = {a * b}, then {a * b} - {c} = {value}.\nThe answer is {letter}. {value}."
    return Problem("arithmetic", question, solution, letter, choices=tuple(options))


MATH: tuple[Callable[[random.Random], Problem], ...] = (
    linear_equation, percentage, rectangle, arithmetic_series, travel_speed, fraction_sum,
    marbles_probability, gcd_lcm,
)
LATEX_MATH = (quadratic, derivative, definite_integral)
PHYSICS = (constant_acceleration, newton_second_law, ohms_law, kinetic_energy)
CHEMISTRY = (moles_from_mass, molarity, dilution)
MULTIPLE_CHOICE = (biology_choice, arithmetic_choice)
ANY_SUBJECT = MATH + PHYSICS + CHEMISTRY + MULTIPLE_CHOICE
