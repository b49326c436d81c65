"""The Streamlit explorer; installed as ``kg.ui``. Pages call ``kg`` library functions only."""
