"""Captum's ``LimeBase``, ``Lime`` and ``KernelShap`` for NumPy arrays and PyTorch tensors."""

from ._lime_base import get_exp_kernel_similarity_function
from .attribution import KernelShap, Lime, LimeBase

__all__ = ["KernelShap", "Lime", "LimeBase", "get_exp_kernel_similarity_function"]
