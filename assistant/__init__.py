"""Evidence-grounded conversational assistant: answers only from retrieved, cited passages.

Packages by pipeline stage (each imports only from the ones before it):
``core`` → ``text`` → ``indexing`` → ``retrieval`` → ``answering`` → ``serving`` / ``evaluation`` /
``cli``. Importing the package has no side effects.
"""

__version__ = "0.1.0"
