"""Non-English sample content: worked problems and everyday pages in German, French, Spanish and
Russian (written for this project)."""

from __future__ import annotations

import random
from fractions import Fraction

from mammoth_assets.core.sample_content.problems import Problem

LANGUAGES = ("de", "fr", "es", "ru")

_LINEAR = {
    "de": (
        "Löse die Gleichung nach x auf: {a}x + {b} = {c}.",
        "Subtrahiere {b} auf beiden Seiten: {a}x = {cb}.\nTeile durch {a}: x = {x}.\nDie Lösung ist x = {x}.",
    ),
    "fr": (
        "Résoudre l'équation : {a}x + {b} = {c}.",
        "On soustrait {b} des deux côtés : {a}x = {cb}.\nOn divise par {a} : x = {x}.\nLa réponse est x = {x}.",
    ),
    "es": (
        "Resuelve la ecuación: {a}x + {b} = {c}.",
        "Restamos {b} en ambos lados: {a}x = {cb}.\nDividimos entre {a}: x = {x}.\nLa respuesta es x = {x}.",
    ),
    "ru": (
        "Решите уравнение: {a}x + {b} = {c}.",
        "Вычтем {b} из обеих частей: {a}x = {cb}.\nРазделим на {a}: x = {x}.\nОтвет: x = {x}.",
    ),
}
_PERCENT = {
    "de": (
        "Ein Fahrrad kostet {price} Euro. Im Schlussverkauf gibt es {p}% Rabatt. Wie viel kostet es dann?",
        "Der Rabatt beträgt {p}/100 * {price} = {cut} Euro.\nNeuer Preis: {price} - {cut} = {new} Euro.\nDas Fahrrad kostet {new} Euro.",
    ),
    "fr": (
        "Un vélo coûte {price} euros. Pendant les soldes, il est remisé de {p} %. Quel est son nouveau prix ?",
        "La remise vaut {p}/100 * {price} = {cut} euros.\nNouveau prix : {price} - {cut} = {new} euros.\nLa réponse est {new} euros.",
    ),
    "es": (
        "Una bicicleta cuesta {price} euros. En rebajas tiene un descuento del {p}%. ¿Cuánto cuesta ahora?",
        "El descuento es {p}/100 * {price} = {cut} euros.\nPrecio nuevo: {price} - {cut} = {new} euros.\nLa respuesta es {new} euros.",
    ),
    "ru": (
        "Велосипед стоит {price} рублей. На распродаже скидка {p}%. Сколько он стоит со скидкой?",
        "Скидка равна {p}/100 * {price} = {cut} рублей.\nНовая цена: {price} - {cut} = {new} рублей.\nОтвет: {new} рублей.",
    ),
}
EXAM_CHROME = {
    "de": {"slug": "aufgabe", "title": "Übungsaufgaben mit Lösungen", "task": "Aufgabe", "solution": "Lösung", "intro": "Rechne die Aufgaben selbst und vergleiche dann mit der Musterlösung."},
    "fr": {"slug": "exercice", "title": "Exercices corrigés", "task": "Exercice", "solution": "Corrigé", "intro": "Faites les exercices puis comparez avec le corrigé détaillé."},
    "es": {"slug": "problema", "title": "Problemas resueltos", "task": "Problema", "solution": "Solución", "intro": "Intenta resolver cada problema antes de mirar la solución."},
    "ru": {"slug": "zadacha", "title": "Задачи с решениями", "task": "Задача", "solution": "Решение", "intro": "Сначала решите задачу сами, затем сверьтесь с решением."},
}
SHOP = {
    "de": {"title": "Angebote der Woche", "items": ["Winterreifen", "Kaffeemaschine", "Gartenstuhl", "Wanderschuhe", "Staubsauger"],
           "cta": "In den Warenkorb", "text": "Kostenloser Versand ab 50 Euro. Lieferung in zwei bis drei Werktagen."},
    "fr": {"title": "Promotions de la semaine", "items": ["Cafetière", "Chaise de jardin", "Chaussures de randonnée", "Aspirateur", "Lampe de bureau"],
           "cta": "Ajouter au panier", "text": "Livraison gratuite dès 50 euros. Retours acceptés sous trente jours."},
    "es": {"title": "Ofertas de la semana", "items": ["Cafetera", "Silla de jardín", "Botas de montaña", "Aspiradora", "Lámpara"],
           "cta": "Añadir al carrito", "text": "Envío gratis a partir de 50 euros. Devoluciones en treinta días."},
    "ru": {"title": "Скидки недели", "items": ["Кофеварка", "Садовое кресло", "Туристические ботинки", "Пылесос", "Настольная лампа"],
           "cta": "В корзину", "text": "Бесплатная доставка при заказе от 3000 рублей. Возврат в течение тридцати дней."},
}
NEWS = {
    "de": ("Stadtrat beschließt neuen Radweg", "Der Stadtrat von {town} hat am Dienstag den Bau eines neuen Radwegs beschlossen. Die Arbeiten sollen im Frühjahr beginnen und rund {n} Wochen dauern. Anwohner können sich bei einer Bürgerversammlung informieren."),
    "fr": ("Le marché d'été revient", "Le marché d'été de {town} ouvre samedi avec {n} exposants. Les producteurs locaux proposeront fruits, fromages et pain. La mairie recommande de venir à vélo."),
    "es": ("Reabre la piscina municipal", "La piscina municipal de {town} reabre este fin de semana tras {n} semanas de obras. El ayuntamiento ha renovado los vestuarios y el sistema de calefacción."),
    "ru": ("В городе откроют новый парк", "Администрация города {town} сообщила, что новый парк откроется через {n} недель. В парке появятся детская площадка, велодорожки и летняя сцена."),
}


def linear_problem(language: str, rng: random.Random) -> Problem:
    x, a, b = rng.randint(1, 15), rng.randint(2, 9), rng.randint(1, 30)
    c = a * x + b
    question, solution = _LINEAR[language]
    values = {"a": a, "b": b, "c": c, "cb": c - b, "x": x}
    return Problem("algebra", question.format(**values), solution.format(**values), str(x))


def discount_problem(language: str, rng: random.Random) -> Problem:
    price = rng.choice([200, 240, 300, 360, 400, 480, 500, 640, 800, 1200])
    percent = rng.choice([10, 15, 20, 25, 30, 40, 50])
    cut = Fraction(price * percent, 100)
    new = price - cut
    fmt = lambda v: str(v.numerator) if v.denominator == 1 else f"{float(v):.2f}"  # noqa: E731
    question, solution = _PERCENT[language]
    values = {"price": price, "p": percent, "cut": fmt(cut), "new": fmt(new)}
    return Problem("arithmetic", question.format(**values), solution.format(**values), fmt(new))
