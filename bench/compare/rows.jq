# The rows a response shows, in a shape both servers share, so that
# bench/compare.sh can check that they answer the same data:
#
#   jq -cS --arg workload catalog --arg server storefront -f rows.jq response.json
def catalog(author): .data.products.nodes
  | map({name, slug, category: .category.name,
         reviews: [.reviews.nodes[] | {rating, body, author: (author | .name)}]});
def orders(customer; items): .data.orders.nodes
  | map({number, customer: (customer | .name), email: (customer | .email),
         items: [items[] | {quantity, product: .product.name, category: .product.category.name}]});
def product: {name, slug, description, stock, category: .category.name};

if $workload == "catalog" then
  if $server == "storefront" then catalog(.author) else catalog(.user) end
elif $workload == "orders" then
  if $server == "storefront" then orders(.customer; .items) else orders(.user; .orderItems.nodes) end
elif $workload == "product" then
  if $server == "storefront" then .data.product | product else .data.products.nodes[0] | product end
else .data
end
