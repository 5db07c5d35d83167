# Sourced by bench/run.sh and bench/web/run.sh: makes out/bench/astronaut.bin, IS-Net's input tensor
# for the bundled sample (bench/make_input.py, OpenCV), when missing or older than its sources.
bench_input=out/bench/astronaut.bin
bench_sample=assets/sample/skimage_astronaut.png
mkdir -p out/bench
if [[ ! -f "$bench_input" || "$bench_sample" -nt "$bench_input" || bench/make_input.py -nt "$bench_input" ]]; then
  echo "bench: preprocessing $bench_sample -> $bench_input"
  /usr/bin/python3 bench/make_input.py "$bench_sample" "$bench_input.tmp"
  mv -f "$bench_input.tmp" "$bench_input"
fi
